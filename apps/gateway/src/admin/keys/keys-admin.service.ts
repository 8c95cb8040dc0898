import { Injectable, Logger } from '@nestjs/common';
import type {
  CreateTenantRequest,
  CreateVirtualKeyRequest,
  SetVirtualKeyExpiryRequest,
  Tenant,
  TenantListResponse,
  UpdateTenantLimitsRequest,
  VirtualKey,
  VirtualKeyListResponse,
  VirtualKeyWithSecretResponse,
} from '@switchyard/contracts';
import { type IssuedVirtualKey, type TenantRow, TenantRepository, type VirtualKeyRecord, VirtualKeyRepository } from '@switchyard/db';
import { OpenAiHttpError } from '../../errors/openai-error.js';
import { CredentialChanges } from '../../auth/credential-changes.channel.js';
import { resolveActor } from '../admin-actor.js';

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
const tenantView = (t: TenantRow): Tenant => ({ id: t.id, name: t.name, budgets: t.budgets, rateLimits: t.rateLimits, createdAt: t.createdAt.toISOString() });
const keyNotFound = (): OpenAiHttpError => new OpenAiHttpError(404, 'No such virtual key.', 'invalid_request_error', 'virtual_key_not_found', 'id');

/**
 * Tenants and their virtual keys, for the global admin key. A key's secret is returned once, by
 * create and rotate; it is stored hashed. The actor of every change is logged.
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
    const row = await this.tenants.create(body.name, { budgets: body.budgets, rateLimits: body.rateLimits });
    if (!row) throw new OpenAiHttpError(409, `A tenant named '${body.name}' exists already.`, 'invalid_request_error', 'tenant_exists', 'name');
    this.logger.log(`${resolveActor(actorHeader)} created tenant ${row.id} (${row.name})`);
    return tenantView(row);
  }

  async updateTenantLimits(id: string, body: UpdateTenantLimitsRequest, actorHeader: string | undefined): Promise<Tenant> {
    const row = await this.tenants.updateLimits(id, body);
    if (!row) throw new OpenAiHttpError(404, 'No such tenant.', 'invalid_request_error', 'tenant_not_found', 'id');
    this.logger.log(`${resolveActor(actorHeader)} set the limits of tenant ${id}: ${JSON.stringify(body)}`);
    this.revocations.announce({ tenantId: id });
    return tenantView(row);
  }

  async listTenants(): Promise<TenantListResponse> {
    return { data: (await this.tenants.list()).map(tenantView) };
  }

  async createKey(body: CreateVirtualKeyRequest, actorHeader: string | undefined): Promise<VirtualKeyWithSecretResponse> {
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
    this.logger.log(`${resolveActor(actorHeader)} created virtual key ${issued.key.id} (${issued.key.prefix}…) for ${issued.key.tenantId}`);
    return issuedView(issued);
  }

  async listKeys(tenantId: string | undefined): Promise<VirtualKeyListResponse> {
    return { data: (await this.keys.list(tenantId ?? null)).map(keyView) };
  }

  async getKey(id: string): Promise<VirtualKey> {
    const key = await this.keys.get(null, id);
    if (!key) throw keyNotFound();
    return keyView(key);
  }

  async rotate(id: string, actorHeader: string | undefined): Promise<VirtualKeyWithSecretResponse> {
    const result = await this.keys.rotate(null, id);
    if (!result.ok) {
      if (result.reason === 'not_found') throw keyNotFound();
      throw new OpenAiHttpError(409, 'A revoked key cannot be rotated; create a new one.', 'invalid_request_error', 'virtual_key_revoked', 'id');
    }
    this.revocations.announce({ keyId: id });
    this.logger.log(`${resolveActor(actorHeader)} rotated virtual key ${id}; the old secret no longer works`);
    return issuedView(result);
  }

  async revoke(id: string, actorHeader: string | undefined): Promise<VirtualKey> {
    const key = await this.keys.revoke(null, id);
    if (!key) throw keyNotFound();
    this.revocations.announce({ keyId: id });
    this.logger.log(`${resolveActor(actorHeader)} revoked virtual key ${id}`);
    return keyView(key);
  }

  async setExpiry(id: string, body: SetVirtualKeyExpiryRequest, actorHeader: string | undefined): Promise<VirtualKey> {
    const key = await this.keys.setExpiry(null, id, body.expiresAt === null ? null : new Date(body.expiresAt));
    if (!key) throw keyNotFound();
    this.revocations.announce({ keyId: id });
    this.logger.log(`${resolveActor(actorHeader)} set the expiry of virtual key ${id} to ${body.expiresAt ?? 'never'}`);
    return keyView(key);
  }
}
