import { Injectable, Logger } from '@nestjs/common';
import type {
  CreateTenantRequest,
  CreateVirtualKeyRequest,
  SetVirtualKeyExpiryRequest,
  Tenant,
  TenantListResponse,
  UpdateTenantLimitsRequest,
  UpdateVirtualKeyRequest,
  VirtualKey,
  VirtualKeyListResponse,
  VirtualKeyWithSecretResponse,
} from '@switchyard/contracts';
import { type IssuedVirtualKey, type TenantRow, TenantRepository, type TenantWriteResult, type VirtualKeyRecord, VirtualKeyRepository } from '@switchyard/db';
import { OpenAiHttpError } from '../../errors/openai-error.js';
import { CredentialChanges } from '../../auth/credential-changes.channel.js';
import { resolveActor } from '../admin-actor.js';
import { type AdminPrincipal, requestedTenant, tenantScopeOf } from '../auth/admin-principal.js';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** The API's view of a stored key: never the hash (the record has none), only the display prefix. */
function keyView(k: VirtualKeyRecord): VirtualKey {
  return {
    id: k.id,
    tenantId: k.tenantId,
    name: k.name,
    prefix: k.prefix,
    allowedModels: k.allowedModels,
    allowedWorkloads: k.allowedWorkloads,
    defaultWorkload: k.defaultWorkload,
    metadata: k.metadata,
    budgets: k.budgets,
    rateLimits: k.rateLimits,
    cacheResponses: k.cacheResponses,
    createdAt: k.createdAt.toISOString(),
    expiresAt: iso(k.expiresAt),
    revokedAt: iso(k.revokedAt),
    lastRotatedAt: iso(k.lastRotatedAt),
  };
}

const issuedView = (issued: IssuedVirtualKey): VirtualKeyWithSecretResponse => ({ ...keyView(issued.key), secret: issued.secret });
const tenantView = (t: TenantRow): Tenant => ({ id: t.id, name: t.name, budgets: t.budgets, rateLimits: t.rateLimits, workloads: t.workloads, createdAt: t.createdAt.toISOString() });
const keyNotFound = (): OpenAiHttpError => new OpenAiHttpError(404, 'No such virtual key.', 'invalid_request_error', 'virtual_key_not_found', 'id');

/** The tenant written, or the error to answer with. */
function written(result: TenantWriteResult, name: string | undefined): TenantRow {
  if (result.ok) return result.tenant;
  switch (result.reason) {
    case 'not_found':
      throw new OpenAiHttpError(404, 'No such tenant.', 'invalid_request_error', 'tenant_not_found', 'id');
    case 'name_taken':
      throw new OpenAiHttpError(409, `A tenant named '${name ?? ''}' exists already.`, 'invalid_request_error', 'tenant_exists', 'name');
    case 'workload_owned':
      throw new OpenAiHttpError(409, `The workload '${result.workload}' belongs to another tenant; a workload has one owner.`, 'invalid_request_error', 'workload_owned', 'workloads');
  }
}

/**
 * Tenants (global admin key) and their virtual keys: the global admin key manages every tenant's,
 * a tenant admin key its own tenant's (another tenant's key is 404 to it, as a missing one). A
 * key's secret is returned once, by create and rotate; it is stored hashed. The actor of every
 * change is logged.
 */
@Injectable()
export class KeysAdminService {
  private readonly logger = new Logger(KeysAdminService.name);

  constructor(
    private readonly tenants: TenantRepository,
    private readonly keys: VirtualKeyRepository,
    private readonly revocations: CredentialChanges,
  ) {}

  async createTenant(body: CreateTenantRequest, actorHeader: string | undefined): Promise<Tenant> {
    // Checked before the write: a bad header must not leave a change made (or a new secret lost) behind a 400.
    const actor = resolveActor(actorHeader);
    const row = written(await this.tenants.create(body.name, { budgets: body.budgets, rateLimits: body.rateLimits, workloads: body.workloads }), body.name);
    this.logger.log(`${actor} created tenant ${row.id} (${row.name})`);
    return tenantView(row);
  }

  async updateTenantLimits(id: string, body: UpdateTenantLimitsRequest, actorHeader: string | undefined): Promise<Tenant> {
    const actor = resolveActor(actorHeader);
    const row = written(await this.tenants.update(id, body), undefined);
    this.logger.log(`${actor} set the limits of tenant ${id}: ${JSON.stringify(body)}`);
    this.revocations.announce({ tenantId: id });
    return tenantView(row);
  }

  async listTenants(): Promise<TenantListResponse> {
    return { data: (await this.tenants.list()).map(tenantView) };
  }

  async createKey(principal: AdminPrincipal, body: CreateVirtualKeyRequest, actorHeader: string | undefined): Promise<VirtualKeyWithSecretResponse> {
    const actor = resolveActor(actorHeader);
    requestedTenant(principal, body.tenantId);
    const issued = await this.keys.create({
      tenantId: body.tenantId,
      name: body.name,
      allowedModels: body.allowedModels,
      allowedWorkloads: body.allowedWorkloads,
      defaultWorkload: body.defaultWorkload ?? null,
      expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
      metadata: body.metadata,
      budgets: body.budgets,
      rateLimits: body.rateLimits,
      cacheResponses: body.cacheResponses,
    });
    if (!issued) throw new OpenAiHttpError(404, `No tenant '${body.tenantId}'.`, 'invalid_request_error', 'tenant_not_found', 'tenantId');
    this.logger.log(`${actor} created virtual key ${issued.key.id} (${issued.key.prefix}…) for ${issued.key.tenantId}`);
    return issuedView(issued);
  }

  async listKeys(principal: AdminPrincipal, tenantId: string | undefined): Promise<VirtualKeyListResponse> {
    return { data: (await this.keys.list(requestedTenant(principal, tenantId))).map(keyView) };
  }

  async getKey(principal: AdminPrincipal, id: string): Promise<VirtualKey> {
    const key = await this.keys.get(tenantScopeOf(principal), id);
    if (!key) throw keyNotFound();
    return keyView(key);
  }

  async rotate(principal: AdminPrincipal, id: string, actorHeader: string | undefined): Promise<VirtualKeyWithSecretResponse> {
    const actor = resolveActor(actorHeader);
    const result = await this.keys.rotate(tenantScopeOf(principal), id);
    if (!result.ok) {
      if (result.reason === 'not_found') throw keyNotFound();
      throw new OpenAiHttpError(409, 'A revoked key cannot be rotated; create a new one.', 'invalid_request_error', 'virtual_key_revoked', 'id');
    }
    this.revocations.announce({ keyId: id });
    this.logger.log(`${actor} rotated virtual key ${id}; the old secret no longer works`);
    return issuedView(result);
  }

  async revoke(principal: AdminPrincipal, id: string, actorHeader: string | undefined): Promise<VirtualKey> {
    const actor = resolveActor(actorHeader);
    const key = await this.keys.revoke(tenantScopeOf(principal), id);
    if (!key) throw keyNotFound();
    this.revocations.announce({ keyId: id });
    this.logger.log(`${actor} revoked virtual key ${id}`);
    return keyView(key);
  }

  async update(principal: AdminPrincipal, id: string, body: UpdateVirtualKeyRequest, actorHeader: string | undefined): Promise<VirtualKey> {
    const actor = resolveActor(actorHeader);
    const scope = tenantScopeOf(principal);
    const current = await this.keys.get(scope, id);
    if (!current) throw keyNotFound();
    const allowed = body.allowedWorkloads ?? current.allowedWorkloads;
    const defaultWorkload = body.defaultWorkload === undefined ? current.defaultWorkload : body.defaultWorkload;
    if (defaultWorkload !== null && allowed.length > 0 && !allowed.includes(defaultWorkload)) {
      throw new OpenAiHttpError(400, 'The default workload must be one of the allowed workloads.', 'invalid_request_error', 'invalid_default_workload', 'defaultWorkload');
    }
    const key = await this.keys.update(scope, id, body);
    if (!key) throw keyNotFound();
    this.revocations.announce({ keyId: id });
    this.logger.log(`${actor} changed virtual key ${id}: ${Object.keys(body).join(', ')}`);
    return keyView(key);
  }

  async setExpiry(principal: AdminPrincipal, id: string, body: SetVirtualKeyExpiryRequest, actorHeader: string | undefined): Promise<VirtualKey> {
    const actor = resolveActor(actorHeader);
    const key = await this.keys.setExpiry(tenantScopeOf(principal), id, body.expiresAt === null ? null : new Date(body.expiresAt));
    if (!key) throw keyNotFound();
    this.revocations.announce({ keyId: id });
    this.logger.log(`${actor} set the expiry of virtual key ${id} to ${body.expiresAt ?? 'never'}`);
    return keyView(key);
  }
}
