import { Injectable } from '@nestjs/common';
import type { AdminSession } from '@switchyard/contracts';
import { AdminKeyRepository, TenantRepository } from '@switchyard/db';
import type { AdminPrincipal } from '../auth/admin-principal.js';

/** Names the caller the guard already identified: its tenant and key, as a console shows them. */
@Injectable()
export class AdminSessionService {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly keys: AdminKeyRepository,
  ) {}

  async describe(principal: AdminPrincipal): Promise<AdminSession> {
    if (principal.kind === 'root') return { scope: 'global', tenantId: null, tenantName: null, keyId: null, keyName: null };
    const [tenant, key] = await Promise.all([this.tenants.get(principal.tenantId), this.keys.get(principal.tenantId, principal.keyId)]);
    return { scope: 'tenant', tenantId: principal.tenantId, tenantName: tenant?.name ?? null, keyId: principal.keyId, keyName: key?.name ?? null };
  }
}
