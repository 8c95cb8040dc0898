import type { PolicyVersion } from '@switchyard/contracts';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { dateTime } from '../ui/format';
import { versionHref } from './policy.queries';

/** Who wrote a version, why, when, and what it edits; `extra` adds rows (e.g. its activation). */
export function PolicyVersionFacts({ version, extra }: { version: Omit<PolicyVersion, 'document'>; extra?: ReactNode }) {
  return (
    <dl className="facts">
      <dt>Version</dt>
      <dd>
        <code>{version.id}</code>
      </dd>
      <dt>Parent</dt>
      <dd>{version.parentId ? <Link to={versionHref(version.parentId)}>{version.parentId}</Link> : 'none (a root version)'}</dd>
      <dt>Author</dt>
      <dd>{version.createdBy}</dd>
      <dt>Reason</dt>
      <dd>{version.reason}</dd>
      <dt>Created</dt>
      <dd>{dateTime(version.createdAt)}</dd>
      {extra}
    </dl>
  );
}
