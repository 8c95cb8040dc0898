import { Inject, Injectable, Logger } from '@nestjs/common';
import { resolveActor } from './admin-actor.js';
import {
  type ActivatePolicyRequest,
  type ActivatePolicyResponse,
  type ActivePolicyResponse,
  type CreatePolicyVersionRequest,
  type CreatePolicyVersionResponse,
  jsonPatchOperationSchema,
  type ListPolicyActivationsQuery,
  type ListPolicyVersionsQuery,
  type PolicyActivationListResponse,
  type PolicyDiffQuery,
  type PolicyDiffResponse,
  type PolicyValidationIssue,
  type PolicyVersion,
  type PolicyVersionListResponse,
  type PolicyVersionSummary,
  type ValidatePolicyRequest,
  type ValidatePolicyResponse,
} from '@switchyard/contracts';
import { type PolicyVersionRow, PolicyVersionRepository } from '@switchyard/db';
import { type ModelCatalog, validatePolicy } from '@switchyard/routing';
import jsonPatch from 'fast-json-patch';
import { OpenAiHttpError } from '../errors/openai-error.js';
import { POLICY_CATALOG, POLICY_ENVIRONMENT, POLICY_PUBLISHER, type PolicyPublisher } from './policy-admin.tokens.js';


/**
 * The policy admin API's decisions: what may be stored, what may be activated, and what a
 * version differs by. Versions are immutable; activation moves the environment's pointer.
 */
@Injectable()
export class PolicyAdminService {
  private readonly logger = new Logger(PolicyAdminService.name);

  constructor(
    private readonly versions: PolicyVersionRepository,
    @Inject(POLICY_CATALOG) private readonly catalog: ModelCatalog,
    @Inject(POLICY_ENVIRONMENT) private readonly environment: string,
    @Inject(POLICY_PUBLISHER) private readonly publisher: PolicyPublisher,
  ) {}

  async active(): Promise<ActivePolicyResponse> {
    const active = await this.versions.getActive(this.environment);
    if (!active) throw noActivePolicy(this.environment);
    return { ...toVersion(active.version), environment: this.environment, activatedAt: active.activatedAt.toISOString(), activatedBy: active.activatedBy };
  }

  async list(query: ListPolicyVersionsQuery): Promise<PolicyVersionListResponse> {
    // One extra row tells whether another page follows.
    const rows = await this.versions.list({ limit: query.limit + 1, before: query.before });
    if (rows.length === 0 && query.before !== undefined && !(await this.versions.findById(query.before))) {
      throw new OpenAiHttpError(400, `Invalid value for 'before': no policy version '${query.before}'.`, 'invalid_request_error', 'invalid_value', 'before');
    }
    const page = rows.slice(0, query.limit);
    const hasMore = rows.length > query.limit;
    return { data: page.map(toSummary), hasMore, nextBefore: hasMore ? page[page.length - 1].id : null };
  }

  async get(id: string): Promise<PolicyVersion> {
    return toVersion(await this.load(id, null));
  }

  /** `to` defaults to the active version and `from` to `to`'s parent: "what did the last change do". */
  async diff(query: PolicyDiffQuery): Promise<PolicyDiffResponse> {
    const to = query.to !== undefined ? await this.load(query.to, 'to') : await this.activeRow();
    const fromId = query.from ?? to.parentId;
    if (fromId === null) {
      throw new OpenAiHttpError(400, `Policy version '${to.id}' has no parent; name the version to compare it with in 'from'.`, 'invalid_request_error', 'missing_required_parameter', 'from');
    }
    const from = await this.load(fromId, query.from !== undefined ? 'from' : null);
    const patch = jsonPatchOperationSchema.array().parse(jsonPatch.compare(from.document, to.document));
    return { from: from.id, to: to.id, patch };
  }

  validate(body: ValidatePolicyRequest): ValidatePolicyResponse {
    const result = validatePolicy(body.document, this.catalog);
    return result.ok ? { valid: true } : { valid: false, issues: result.issues };
  }

  /** An invalid document is never stored. The stored document is the parsed one, defaults filled in. */
  async create(body: CreatePolicyVersionRequest, actorHeader: string | undefined): Promise<CreatePolicyVersionResponse> {
    const actor = resolveActor(actorHeader);
    const result = validatePolicy(body.document, this.catalog);
    if (!result.ok) throw invalidPolicy('The policy is invalid', result.issues, (path) => (path === '(root)' ? 'document' : `document.${path}`));

    let parentId: string | null;
    if (body.parentId === undefined) parentId = (await this.versions.getActive(this.environment))?.version.id ?? null;
    else if (body.parentId === null) parentId = null;
    else parentId = (await this.load(body.parentId, 'parentId')).id;

    const row = await this.versions.create({ parentId, createdBy: actor, reason: body.reason, document: result.policy });
    // Already validated against this same catalog a moment ago, so it is not validated again.
    const activation = body.activate ? await this.moveActivePointer(row.id, actor, body.reason) : null;
    return { ...toVersion(row), activation };
  }

  /** A version that no longer validates against the configured models is never activated. */
  async activate(body: ActivatePolicyRequest, actorHeader: string | undefined): Promise<ActivatePolicyResponse> {
    const actor = resolveActor(actorHeader);
    const row = await this.load(body.versionId, 'versionId');
    const result = validatePolicy(row.document, this.catalog);
    if (!result.ok) throw invalidPolicy(`Policy version '${row.id}' does not validate against the configured models`, result.issues, () => 'versionId');
    return this.moveActivePointer(row.id, actor, body.reason ?? null);
  }

  async activations(query: ListPolicyActivationsQuery): Promise<PolicyActivationListResponse> {
    const events = await this.versions.activationHistory(this.environment, query.limit);
    return {
      data: events.map((e) => ({ id: e.id, environment: e.environment, versionId: e.versionId, previousVersionId: e.previousVersionId, activatedBy: e.activatedBy, reason: e.reason, at: e.at.toISOString() })),
    };
  }

  private async moveActivePointer(versionId: string, actor: string, reason: string | null): Promise<ActivatePolicyResponse> {
    const { previousVersionId, activatedAt } = await this.versions.activate(this.environment, versionId, actor, reason);
    let published = true;
    try {
      await this.publisher.published(this.environment, versionId);
    } catch (error) {
      // The pointer has moved and is the source of truth; failing the request now would invite a retry of a done change.
      published = false;
      this.logger.warn(`activated ${versionId} in ${this.environment} but could not notify gateways: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.logger.log(`${actor} activated policy ${versionId} in ${this.environment} (was ${previousVersionId ?? 'none'})`);
    return { environment: this.environment, versionId, previousVersionId, activatedAt: activatedAt.toISOString(), activatedBy: actor, published };
  }

  private async activeRow(): Promise<PolicyVersionRow> {
    const active = await this.versions.getActive(this.environment);
    if (!active) throw noActivePolicy(this.environment);
    return active.version;
  }

  /** `param` names the request field that carried the id, if any. */
  private async load(id: string, param: string | null): Promise<PolicyVersionRow> {
    const row = await this.versions.findById(id);
    if (!row) throw new OpenAiHttpError(404, `No policy version '${id}'.`, 'invalid_request_error', 'policy_version_not_found', param);
    return row;
  }
}


function invalidPolicy(prefix: string, issues: PolicyValidationIssue[], paramFor: (path: string) => string): OpenAiHttpError {
  const listed = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return new OpenAiHttpError(422, `${prefix}: ${listed}`, 'invalid_request_error', 'invalid_policy', issues.length ? paramFor(issues[0].path) : null);
}

const noActivePolicy = (environment: string): OpenAiHttpError =>
  new OpenAiHttpError(404, `No policy version is active in environment '${environment}'.`, 'invalid_request_error', 'no_active_policy');

const toSummary = (row: PolicyVersionRow): PolicyVersionSummary => ({
  id: row.id,
  parentId: row.parentId,
  createdBy: row.createdBy,
  reason: row.reason,
  createdAt: row.createdAt.toISOString(),
});

const toVersion = (row: PolicyVersionRow): PolicyVersion => ({ ...toSummary(row), document: row.document });
