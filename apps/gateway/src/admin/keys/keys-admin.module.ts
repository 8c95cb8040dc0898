import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { AdminKeyGuard } from '../admin-key.guard.js';
import { AdminKeysAdminController } from './admin-keys-admin.controller.js';
import { AdminKeysAdminService } from './admin-keys-admin.service.js';
import { KeysAdminService } from './keys-admin.service.js';
import { TenantsAdminController } from './tenants-admin.controller.js';
import { VirtualKeysAdminController } from './virtual-keys-admin.controller.js';

/**
 * `/admin/tenants`, `/admin/keys` and tenant admin keys, behind the admin keys. Providers: ADMIN_KEY,
 * TenantRepository, VirtualKeyRepository, CredentialChanges; AdminKeyRepository and
 * AdminCredentialCache come from the global AdminAuthModule.
 */
@Module({})
export class KeysAdminModule {
  static register(providers: Provider[]): DynamicModule {
    return {
      module: KeysAdminModule,
      controllers: [TenantsAdminController, VirtualKeysAdminController, AdminKeysAdminController],
      providers: [...providers, AdminKeyGuard, KeysAdminService, AdminKeysAdminService],
    };
  }
}
