import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { AdminKeyRepository, TenantRepository } from '@switchyard/db';
import { CredentialChanges } from '../../auth/credential-changes.channel.js';
import { AdminKeyGuard } from '../admin-key.guard.js';
import { AuditAdminController } from '../audit/audit-admin.controller.js';
import { AuditAdminService } from '../audit/audit-admin.service.js';
import { AdminAuditService } from '../audit/admin-audit.service.js';
import { AdminCredentialCache } from './admin-credential.cache.js';

/**
 * What every admin module's AdminKeyGuard needs beyond ADMIN_KEY: the tenant admin key cache and
 * the audit log, one instance each for the whole app (global, so a revocation empties the one
 * cache every guard reads). Also serves `GET /admin/audit`.
 * Providers: ADMIN_KEY, AdminKeyRepository, AdminAuditRepository, TenantRepository, CredentialChanges.
 */
@Module({})
export class AdminAuthModule {
  static forRoot(providers: Provider[]): DynamicModule {
    return {
      module: AdminAuthModule,
      global: true,
      controllers: [AuditAdminController],
      providers: [...providers, AdminCredentialCache, AdminAuditService, AdminKeyGuard, AuditAdminService],
      exports: [AdminCredentialCache, AdminAuditService, AdminKeyRepository, TenantRepository, CredentialChanges],
    };
  }
}
