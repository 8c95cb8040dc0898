import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { AdminKeyGuard } from '../admin-key.guard.js';
import { KeysAdminService } from './keys-admin.service.js';
import { TenantsAdminController } from './tenants-admin.controller.js';
import { VirtualKeysAdminController } from './virtual-keys-admin.controller.js';

/** `/admin/tenants` and `/admin/keys`, behind the admin key. Providers: ADMIN_KEY, TenantRepository, VirtualKeyRepository. */
@Module({})
export class KeysAdminModule {
  static register(providers: Provider[]): DynamicModule {
    return {
      module: KeysAdminModule,
      controllers: [TenantsAdminController, VirtualKeysAdminController],
      providers: [...providers, AdminKeyGuard, KeysAdminService],
    };
  }
}
