import { type JsonPatchOperation, type PolicyDiffAction, type PolicyDiffDeltas, type PolicyDiffEvidence, type PolicyDiffReason, type PolicyDiffStatus, type PolicyDocument, transition } from '@switchyard/contracts';
import { and, asc, desc, eq, ne, type SQL, sql } from 'drizzle-orm';
import type { Database } from './database.client.js';
import { newRowId } from './row-id.factory.js';
import { type PolicyDiffEventRow, policyDiffEvents, type PolicyDiffRow, policyDiffs, tenants } from './tables/index.js';
import type { TenantScope } from './virtual-key.repository.js';

export interface NewPolicyDiff {
  environment: string;
  parentVersionId: string;
  proposedDocument: PolicyDocument;
  patch: JsonPatchOperation[];
  workloads: string[];
  summary: string;
  predicted: PolicyDiffDeltas;
  evidence: PolicyDiffEvidence;
  reason: PolicyDiffReason;
  createdBy: string;
}

export interface ProposedPolicyDiff {
  diff: PolicyDiffRow;
  /** Older proposed diffs of the same environment that touched any of its workloads, now superseded. */
  superseded: string[];
}

/** What a transition may change besides the status. */
export interface PolicyDiffTransitionPatch {
  /** Stored on the event, e.g. a canary step's share. */
  details?: Record<string, unknown>;
  /** The canary's measured deltas. */
  measured?: PolicyDiffDeltas;
}

export type PolicyDiffTransitionResult =
  | { ok: true; diff: PolicyDiffRow; event: PolicyDiffEventRow }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'illegal'; status: PolicyDiffStatus; message: string };

/** The database, or a transaction on it. */
type Executor = Database | Parameters<Parameters<Database['transaction']>[0]>[0];

/**
 * Policy diffs and their audit log. A diff's status moves only through `transition` (and the
 * superseding in `propose`), each move checked by the contract's state machine and recorded as an event.
 */
export class PolicyDiffRepository {
  constructor(private readonly db: Database) {}

  /**
   * Stores a proposed diff and supersedes the environment's older proposed diffs that touch any of
   * its workloads: the optimizer's latest proposal replaces the earlier ones nobody reviewed yet.
   */
  async propose(input: NewPolicyDiff): Promise<ProposedPolicyDiff> {
    return this.db.transaction(async (tx) => {
      // Serialises proposals per environment, so two racing proposals cannot both stay proposed.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`policy_diff_propose:${input.environment}`}, 0))`);
      const [diff] = await tx
        .insert(policyDiffs)
        .values({ id: newRowId('pd'), ...input, status: 'proposed' })
        .returning();
      if (!diff) throw new Error('insert into policy_diffs returned no row');
      await appendEvent(tx, diff.id, 'proposed', input.createdBy, null, { parentVersionId: input.parentVersionId, workloads: input.workloads });

      const older = await tx
        .select({ id: policyDiffs.id })
        .from(policyDiffs)
        .where(
          and(
            eq(policyDiffs.environment, input.environment),
            eq(policyDiffs.status, 'proposed'),
            ne(policyDiffs.id, diff.id),
            sql`${policyDiffs.workloads} ?| ${toTextArray(input.workloads)}`,
          ),
        )
        .orderBy(asc(policyDiffs.id))
        .for('update');
      for (const { id } of older) {
        await tx.update(policyDiffs).set({ status: 'superseded', updatedAt: sql`now()` }).where(eq(policyDiffs.id, id));
        await appendEvent(tx, id, 'superseded', input.createdBy, null, { supersededBy: diff.id });
      }
      return { diff, superseded: older.map((o) => o.id) };
    });
  }

  async get(id: string): Promise<PolicyDiffRow | undefined> {
    return this.getScoped(null, id);
  }

  /** Undefined also for a diff the tenant does not own (see `ownedBy`). */
  async getScoped(tenantId: TenantScope, id: string): Promise<PolicyDiffRow | undefined> {
    const [row] = await this.db
      .select()
      .from(policyDiffs)
      .where(and(eq(policyDiffs.id, id), tenantId === null ? undefined : ownedBy(tenantId)));
    return row;
  }

  /**
   * Newest first. `before` is the id of the last diff of the previous page; an id that does not
   * exist yields an empty page. Ordered by (created_at, id) so same-millisecond diffs still page stably.
   */
  async list(options: { environment?: string; status?: PolicyDiffStatus; workload?: string; limit: number; before?: string; tenantId?: string }): Promise<PolicyDiffRow[]> {
    const conditions: SQL[] = [];
    if (options.tenantId !== undefined) conditions.push(ownedBy(options.tenantId));
    if (options.environment !== undefined) conditions.push(eq(policyDiffs.environment, options.environment));
    if (options.status !== undefined) conditions.push(eq(policyDiffs.status, options.status));
    if (options.workload !== undefined) conditions.push(sql`${policyDiffs.workloads} @> ${JSON.stringify([options.workload])}::jsonb`);
    if (options.before !== undefined) {
      conditions.push(sql`(${policyDiffs.createdAt}, ${policyDiffs.id}) < (select c.created_at, c.id from policy_diffs c where c.id = ${options.before})`);
    }
    return this.db
      .select()
      .from(policyDiffs)
      .where(and(...conditions))
      .orderBy(desc(policyDiffs.createdAt), desc(policyDiffs.id))
      .limit(options.limit);
  }

  /**
   * Applies `action` to the diff if the state machine allows it from the diff's current status,
   * under a row lock so racing reviewers cannot both move it, and records the event, all in one
   * transaction.
   */
  async transition(id: string, action: PolicyDiffAction, actor: string, comment?: string | null, patch: PolicyDiffTransitionPatch = {}): Promise<PolicyDiffTransitionResult> {
    return this.db.transaction(async (tx) => {
      const [current] = await tx.select().from(policyDiffs).where(eq(policyDiffs.id, id)).for('update');
      if (!current) return { ok: false, reason: 'not_found' };
      const next = transition(current.status, action);
      if (!next.ok) return { ok: false, reason: 'illegal', status: current.status, message: next.message };
      const [diff] = await tx
        .update(policyDiffs)
        .set({ status: next.status, updatedAt: sql`now()`, ...(patch.measured !== undefined && { measured: patch.measured }) })
        .where(eq(policyDiffs.id, id))
        .returning();
      if (!diff) throw new Error(`update of policy diff ${id} returned no row`);
      const event = await appendEvent(tx, id, action, actor, comment ?? null, patch.details ?? {});
      return { ok: true, diff, event };
    });
  }

  /** Oldest first. */
  async events(id: string): Promise<PolicyDiffEventRow[]> {
    return this.db.select().from(policyDiffEvents).where(eq(policyDiffEvents.diffId, id)).orderBy(asc(policyDiffEvents.id));
  }

  /** The canary's measured deltas, beside the predicted ones. Undefined when there is no such diff. */
  async recordMeasured(id: string, measured: PolicyDiffDeltas): Promise<PolicyDiffRow | undefined> {
    const [row] = await this.db.update(policyDiffs).set({ measured, updatedAt: sql`now()` }).where(eq(policyDiffs.id, id)).returning();
    return row;
  }
}

/**
 * A diff belongs to a tenant when every workload it changes is one the tenant owns. A diff that
 * also changes another tenant's workload, or a workload nobody owns, stays the global admin's.
 */
const ownedBy = (tenantId: string): SQL =>
  sql`(jsonb_array_length(${policyDiffs.workloads}) > 0 and ${policyDiffs.workloads} <@ coalesce((select ${tenants.workloads} from ${tenants} where ${tenants.id} = ${tenantId}), '[]'::jsonb))`;

async function appendEvent(db: Executor, diffId: string, action: PolicyDiffAction, actor: string, comment: string | null, details: Record<string, unknown>): Promise<PolicyDiffEventRow> {
  const [event] = await db.insert(policyDiffEvents).values({ diffId, action, actor, comment, details }).returning();
  if (!event) throw new Error('insert into policy_diff_events returned no row');
  return event;
}

const toTextArray = (values: string[]): SQL => sql`array[${sql.join(
  values.map((v) => sql`${v}`),
  sql`, `,
)}]::text[]`;
