import type { CanaryStatus, PolicyDiffDetail, PolicyDiffListResponse, PolicyDiffStatus } from '@switchyard/contracts';
import { useQuery } from '@tanstack/react-query';
import { useApi } from '../auth/session.context';

/** Every key starts with 'policy-diffs', so a change to a diff can invalidate everything shown about diffs. */
export const canaryKeys = {
  all: ['policy-diffs'] as const,
  list: (status: PolicyDiffStatus, limit: number) => ['policy-diffs', 'list', { status, limit }] as const,
  diff: (id: string) => ['policy-diffs', 'detail', id] as const,
  canary: (id: string) => ['policy-diffs', 'detail', id, 'canary'] as const,
};

/** A running rollout's share and step log change within seconds of a check; nothing else here does. */
export const LIVE_REFRESH_MS = 2_000;

export function useDiffsWithStatus(status: PolicyDiffStatus, limit: number) {
  const api = useApi();
  return useQuery({
    queryKey: canaryKeys.list(status, limit),
    queryFn: ({ signal }) => api.get<PolicyDiffListResponse>('/admin/policy-diffs', { status, limit }, signal),
    refetchInterval: status === 'canary' || status === 'approved' ? LIVE_REFRESH_MS * 5 : false,
  });
}

export function useDiff(id: string, live: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: canaryKeys.diff(id),
    queryFn: ({ signal }) => api.get<PolicyDiffDetail>(`/admin/policy-diffs/${encodeURIComponent(id)}`, undefined, signal),
    refetchInterval: live ? LIVE_REFRESH_MS : false,
  });
}

/**
 * The rollout's status. Polled every 2 s while a step runs, and while a scheduled start is due,
 * so the page sees the first step begin without a reload.
 */
export function useCanaryStatus(id: string, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: canaryKeys.canary(id),
    queryFn: ({ signal }) => api.get<CanaryStatus>(`/admin/policy-diffs/${encodeURIComponent(id)}/canary`, undefined, signal),
    enabled,
    refetchInterval: (query) => (isLive(query.state.data) ? LIVE_REFRESH_MS : false),
  });
}

/** Running, or approved with a start scheduled: the states that change without anyone acting on the page. */
export function isLive(status: CanaryStatus | undefined): boolean {
  if (!status) return false;
  if (status.status === 'canary') return true;
  return status.status === 'approved' && status.steps.some((s) => s.action === 'commented' && s.details.schedule !== undefined);
}
