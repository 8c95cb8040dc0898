import type { PolicyDiffStatus } from '@switchyard/contracts';

const LABELS: Record<PolicyDiffStatus, string> = {
  proposed: 'proposed',
  approved: 'approved',
  rejected: 'rejected',
  canary: 'canary running',
  promoted: 'promoted',
  rolled_back: 'rolled back',
  superseded: 'superseded',
};

export function DiffStatus({ status }: { status: PolicyDiffStatus }) {
  return <span className={`status status-${status}`}>{LABELS[status]}</span>;
}
