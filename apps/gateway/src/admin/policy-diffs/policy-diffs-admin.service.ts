import { Inject, Injectable, Logger } from '@nestjs/common';
import { resolveActor } from '../admin-actor.js';
import {
  type ApprovePolicyDiffRequest,
  type CreatePolicyDiffRequest,
  jsonPatchOperationSchema,
  type ListPolicyDiffsQuery,
  type PolicyDiff,
  type PolicyDiffDetail,
  type PolicyDiffEvent,
  type PolicyDiffListResponse,
  type RejectPolicyDiffRequest,
} from '@switchyard/contracts';
import {
  type PolicyDiffEventRow,
  PolicyDiffRepository,
  type PolicyDiffRow,
  type PolicyDiffTransitionResult,
  PolicyVersionRepository,
  type PolicyVersionRow,
  TenantRepository,
} from '@switchyard/db';
import { AUTO_APPROVE_ACTOR, autoApproveDecision, type AutoApproveSettings, type ModelCatalog, validatePolicy } from '@switchyard/routing';
import jsonPatch from 'fast-json-patch';
import { OpenAiHttpError } from '../../errors/openai-error.js';
import type { AdminPrincipal } from '../auth/admin-principal.js';
import { POLICY_CATALOG, POLICY_ENVIRONMENT } from '../policy-admin.tokens.js';
import { diffForTenant } from './policy-diff.redaction.js';
import { POLICY_DIFF_AUTO_APPROVE } from './policy-diffs-admin.tokens.js';

/**
 * Review of policy diffs in this gateway's environment: store a proposal (auto-approving it when
 * the config allows), list and show them with their audit log, approve or reject. Rolling a diff
 * out (canary, promotion) is not done here. A tenant admin reads the diffs that change only its
 * tenant's workloads, redacted of the other tenants' parts of the shared policy.
 */
@Injectable()
export class PolicyDiffsAdminService {
  private readonly logger = new Logger(PolicyDiffsAdminService.name);

  constructor(
    private readonly diffs: PolicyDiffRepository,
    private readonly versions: PolicyVersionRepository,
    @Inject(POLICY_CATALOG) private readonly catalog: ModelCatalog,
    @Inject(POLICY_ENVIRONMENT) private readonly environment: string,
    @Inject(POLICY_DIFF_AUTO_APPROVE) private readonly autoApprove: AutoApproveSettings,
    private readonly tenants: TenantRepository,
  ) {}

  /** The patch is computed here from the parent, so it always describes the stored change. */
  async create(body: CreatePolicyDiffRequest, actorHeader: string | undefined): Promise<PolicyDiffDetail> {
    const actor = resolveActor(actorHeader);
    const result = validatePolicy(body.proposedDocument, this.catalog);
    if (!result.ok) {
      const listed = result.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      const param = result.issues[0] && result.issues[0].path !== '(root)' ? `proposedDocument.${result.issues[0].path}` : 'proposedDocument';
      throw new OpenAiHttpError(422, `The proposed policy is invalid: ${listed}`, 'invalid_request_error', 'invalid_policy', param);
    }
    const parent = body.parentVersionId === undefined ? await this.activeVersion() : await this.loadVersion(body.parentVersionId);
    const patch = jsonPatchOperationSchema.array().parse(jsonPatch.compare(parent.document, result.policy));
    if (patch.length === 0) {
      throw new OpenAiHttpError(422, `The proposed policy is the same as its parent '${parent.id}'.`, 'invalid_request_error', 'empty_diff', 'proposedDocument');
    }
    const { diff, superseded } = await this.diffs.propose({
      environment: this.environment,
      parentVersionId: parent.id,
      proposedDocument: result.policy,
      patch,
      workloads: body.workloads,
      summary: body.summary,
      predicted: body.predicted,
      evidence: body.evidence,
      reason: body.reason,
      createdBy: actor,
    });
    this.logger.log(`${actor} proposed policy diff ${diff.id} in ${this.environment} (${body.workloads.join(', ')})${superseded.length ? `, superseding ${superseded.join(', ')}` : ''}`);
    await this.maybeAutoApprove(diff);
    return this.get(ROOT, diff.id);
  }

  async list(principal: AdminPrincipal, query: ListPolicyDiffsQuery): Promise<PolicyDiffListResponse> {
    const tenantId = principal.kind === 'tenant' ? principal.tenantId : undefined;
    // One extra row tells whether another page follows.
    const rows = await this.diffs.list({ environment: this.environment, status: query.status, workload: query.workload, limit: query.limit + 1, before: query.before, tenantId });
    const page = rows.slice(0, query.limit);
    const hasMore = rows.length > query.limit;
    const view = await this.viewFor(principal);
    return { data: page.map((row) => view(toDiff(row))), hasMore, nextBefore: hasMore ? (page[page.length - 1]?.id ?? null) : null };
  }

  /** A diff the tenant does not own answers 404, as a missing one. */
  async get(principal: AdminPrincipal, id: string): Promise<PolicyDiffDetail> {
    const row = await this.load(id, principal.kind === 'tenant' ? principal.tenantId : null);
    const [events, view] = await Promise.all([this.diffs.events(row.id), this.viewFor(principal)]);
    return view({ ...toDiff(row), events: events.map(toEvent) });
  }

  /** The global admin sees diffs as stored; a tenant admin without the others' workloads. */
  private async viewFor(principal: AdminPrincipal): Promise<<T extends PolicyDiff>(diff: T) => T> {
    if (principal.kind === 'root') return (diff) => diff;
    const owned = new Set((await this.tenants.get(principal.tenantId))?.workloads ?? []);
    return (diff) => diffForTenant(diff, owned);
  }

  /** Only a diff made against the environment's active version: otherwise it would undo what moved since. */
  async approve(id: string, body: ApprovePolicyDiffRequest, actorHeader: string | undefined): Promise<PolicyDiffDetail> {
    const actor = resolveActor(actorHeader);
    const row = await this.load(id);
    if (row.status === 'proposed') await this.refuseStale(row);
    this.check(await this.diffs.transition(row.id, 'approved', actor, body.comment ?? null));
    this.logger.log(`${actor} approved policy diff ${row.id}`);
    return this.get(ROOT, row.id);
  }

  async reject(id: string, body: RejectPolicyDiffRequest, actorHeader: string | undefined): Promise<PolicyDiffDetail> {
    const actor = resolveActor(actorHeader);
    const row = await this.load(id);
    this.check(await this.diffs.transition(row.id, 'rejected', actor, body.comment));
    this.logger.log(`${actor} rejected policy diff ${row.id}`);
    return this.get(ROOT, row.id);
  }

  private async maybeAutoApprove(diff: PolicyDiffRow): Promise<void> {
    const decision = autoApproveDecision(diff, this.autoApprove);
    if (!decision.approve) return;
    const active = await this.versions.getActive(this.environment);
    // A proposal against an older version is left for the optimizer to re-propose, as a reviewer's approval would be.
    if (active?.version.id !== diff.parentVersionId) return;
    const moved = await this.diffs.transition(diff.id, 'approved', AUTO_APPROVE_ACTOR, decision.comment, { details: decision.details });
    if (moved.ok) this.logger.log(`auto-approved policy diff ${diff.id}: ${decision.comment}`);
  }

  private async refuseStale(row: PolicyDiffRow): Promise<void> {
    const active = await this.versions.getActive(this.environment);
    if (active?.version.id === row.parentVersionId) return;
    throw new OpenAiHttpError(
      409,
      `Policy diff '${row.id}' was made against version '${row.parentVersionId}', but environment '${this.environment}' now serves '${active?.version.id ?? 'nothing'}'; it needs to be proposed again against the current policy.`,
      'invalid_request_error',
      'stale_diff',
    );
  }

  private check(result: PolicyDiffTransitionResult): void {
    if (result.ok) return;
    if (result.reason === 'not_found') throw new OpenAiHttpError(404, 'No such policy diff.', 'invalid_request_error', 'policy_diff_not_found', 'id');
    throw new OpenAiHttpError(409, `Cannot do that: ${result.message}.`, 'invalid_request_error', 'illegal_transition');
  }

  /** A diff of another environment, or (for a tenant) not the tenant's, is as good as missing here. */
  private async load(id: string, tenantId: string | null = null): Promise<PolicyDiffRow> {
    const row = await this.diffs.getScoped(tenantId, id);
    if (!row || row.environment !== this.environment) throw new OpenAiHttpError(404, `No policy diff '${id}'.`, 'invalid_request_error', 'policy_diff_not_found', 'id');
    return row;
  }

  private async activeVersion(): Promise<PolicyVersionRow> {
    const active = await this.versions.getActive(this.environment);
    if (!active) throw new OpenAiHttpError(404, `No policy version is active in environment '${this.environment}'.`, 'invalid_request_error', 'no_active_policy', 'parentVersionId');
    return active.version;
  }

  private async loadVersion(id: string): Promise<PolicyVersionRow> {
    const row = await this.versions.findById(id);
    if (!row) throw new OpenAiHttpError(404, `No policy version '${id}'.`, 'invalid_request_error', 'policy_version_not_found', 'parentVersionId');
    return row;
  }
}


const ROOT: AdminPrincipal = { kind: 'root' };

const toDiff = (row: PolicyDiffRow): PolicyDiff => ({
  id: row.id,
  environment: row.environment,
  parentVersionId: row.parentVersionId,
  proposedDocument: row.proposedDocument,
  patch: row.patch,
  workloads: row.workloads,
  summary: row.summary,
  predicted: row.predicted,
  evidence: row.evidence,
  reason: row.reason,
  status: row.status,
  measured: row.measured,
  createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const toEvent = (row: PolicyDiffEventRow): PolicyDiffEvent => ({
  id: row.id,
  diffId: row.diffId,
  action: row.action,
  actor: row.actor,
  comment: row.comment,
  details: row.details,
  at: row.at.toISOString(),
});
