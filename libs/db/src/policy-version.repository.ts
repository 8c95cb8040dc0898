import { randomBytes } from 'node:crypto';
import type { PolicyDocument } from '@switchyard/contracts';
import { desc, eq, sql } from 'drizzle-orm';
import type { Database } from './database.client.js';
import { type PolicyActivationEventRow, policyActivationEvents, policyActivations, type PolicyVersionRow, policyVersions } from './tables/index.js';

export interface NewPolicyVersion {
  /** The version this one was edited from; null for a root version. */
  parentId: string | null;
  createdBy: string;
  reason: string;
  document: PolicyDocument;
}

export interface ActivePolicyVersion {
  version: PolicyVersionRow;
  activatedAt: Date;
  activatedBy: string;
}

export interface PolicyActivation {
  /** What the environment served before; null on its first activation. */
  previousVersionId: string | null;
  activatedAt: Date;
}

/**
 * `pv_`, the creation time in ms (base 36, fixed width so ids sort by time as strings), then
 * 64 random bits so ids minted in the same ms by different processes do not collide.
 */
export const newPolicyVersionId = (now: number = Date.now()): string => `pv_${now.toString(36).padStart(10, '0')}${randomBytes(8).toString('hex')}`;

/** Versions are only ever inserted; the one thing that moves is each environment's active pointer. */
export class PolicyVersionRepository {
  constructor(private readonly db: Database) {}

  async create(input: NewPolicyVersion): Promise<PolicyVersionRow> {
    const [row] = await this.db
      .insert(policyVersions)
      .values({ id: newPolicyVersionId(), ...input })
      .returning();
    if (!row) throw new Error('insert into policy_versions returned no row');
    return row;
  }

  async findById(id: string): Promise<PolicyVersionRow | undefined> {
    const [row] = await this.db.select().from(policyVersions).where(eq(policyVersions.id, id));
    return row;
  }

  /**
   * Newest first. `before` is the id of the last version of the previous page; an id that does not
   * exist yields an empty page. Ordered by (created_at, id) so same-instant versions still page stably.
   */
  async list(options: { limit: number; before?: string }): Promise<PolicyVersionRow[]> {
    const cursor = options.before === undefined ? undefined : sql`(${policyVersions.createdAt}, ${policyVersions.id}) < (select c.created_at, c.id from policy_versions c where c.id = ${options.before})`;
    return this.db
      .select()
      .from(policyVersions)
      .where(cursor)
      .orderBy(desc(policyVersions.createdAt), desc(policyVersions.id))
      .limit(options.limit);
  }

  async getActive(environment: string): Promise<ActivePolicyVersion | undefined> {
    const [row] = await this.db
      .select({ version: policyVersions, activatedAt: policyActivations.activatedAt, activatedBy: policyActivations.activatedBy })
      .from(policyActivations)
      .innerJoin(policyVersions, eq(policyVersions.id, policyActivations.versionId))
      .where(eq(policyActivations.environment, environment));
    return row;
  }

  /** Moves the environment's pointer and appends the audit event, atomically. */
  async activate(environment: string, versionId: string, activatedBy: string, reason: string | null): Promise<PolicyActivation> {
    return this.db.transaction(async (tx) => {
      // Serialises activations of one environment, so each event's previous version is the one it replaced,
      // also when the environment has no pointer row yet to lock.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`policy_activation:${environment}`}, 0))`);
      const [previous] = await tx.select({ versionId: policyActivations.versionId }).from(policyActivations).where(eq(policyActivations.environment, environment));
      const [pointer] = await tx
        .insert(policyActivations)
        .values({ environment, versionId, activatedBy })
        .onConflictDoUpdate({ target: policyActivations.environment, set: { versionId, activatedBy, activatedAt: sql`now()` } })
        .returning({ activatedAt: policyActivations.activatedAt });
      if (!pointer) throw new Error('upsert into policy_activations returned no row');
      const previousVersionId = previous?.versionId ?? null;
      await tx.insert(policyActivationEvents).values({ environment, versionId, previousVersionId, activatedBy, reason, at: pointer.activatedAt });
      return { previousVersionId, activatedAt: pointer.activatedAt };
    });
  }

  /** Newest first. */
  async activationHistory(environment: string, limit: number): Promise<PolicyActivationEventRow[]> {
    return this.db
      .select()
      .from(policyActivationEvents)
      .where(eq(policyActivationEvents.environment, environment))
      .orderBy(desc(policyActivationEvents.id))
      .limit(limit);
  }
}
