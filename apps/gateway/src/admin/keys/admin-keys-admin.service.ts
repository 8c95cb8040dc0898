import { Injectable, Logger } from '@nestjs/common';
import type { AdminKey, AdminKeyListResponse, AdminKeyWithSecretResponse, CreateAdminKeyRequest } from '@switchyard/contracts';
import { type AdminKeyRecord, AdminKeyRepository, TenantRepository } from '@switchyard/db';
import { OpenAiHttpError } from '../../errors/openai-error.js';
import { resolveActor } from '../admin-actor.js';
import { AdminCredentialCache } from '../auth/admin-credential.cache.js';

const view = (k: AdminKeyRecord): AdminKey => ({ id: k.id, tenantId: k.tenantId, name: k.name, prefix: k.prefix, createdAt: k.createdAt.toISOString(), revokedAt: k.revokedAt?.toISOString() ?? null });
const tenantNotFound = (): OpenAiHttpError => new OpenAiHttpError(404, 'No such tenant.', 'invalid_request_error', 'tenant_not_found', 'id');

/**
 * Tenant admin keys, for the global admin key: issue one (its secret answered once, stored hashed),
 * list a tenant's, revoke one (refused from the next request on, on every instance).
 */
@Injectable()
export class AdminKeysAdminService {
  private readonly logger = new Logger(AdminKeysAdminService.name);

  constructor(
    private readonly keys: AdminKeyRepository,
    private readonly tenants: TenantRepository,
    private readonly cache: AdminCredentialCache,
  ) {}

  async create(tenantId: string, body: CreateAdminKeyRequest, actorHeader: string | undefined): Promise<AdminKeyWithSecretResponse> {
    const actor = resolveActor(actorHeader);
    const issued = await this.keys.create(tenantId, body.name);
    if (!issued) throw tenantNotFound();
    this.logger.log(`${actor} created tenant admin key ${issued.key.id} (${issued.key.prefix}…) for ${tenantId}`);
    return { ...view(issued.key), secret: issued.secret };
  }

  async list(tenantId: string): Promise<AdminKeyListResponse> {
    if (!(await this.tenants.get(tenantId))) throw tenantNotFound();
    return { data: (await this.keys.list(tenantId)).map(view) };
  }

  async revoke(id: string, actorHeader: string | undefined): Promise<AdminKey> {
    const actor = resolveActor(actorHeader);
    const key = await this.keys.revoke(null, id);
    if (!key) throw new OpenAiHttpError(404, 'No such tenant admin key.', 'invalid_request_error', 'admin_key_not_found', 'id');
    this.cache.revoked(id);
    this.logger.log(`${actor} revoked tenant admin key ${id} of ${key.tenantId}`);
    return view(key);
  }
}
