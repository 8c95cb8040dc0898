import { type DynamicModule, Module, type ModuleMetadata, type Provider } from '@nestjs/common';
import { AdminKeyGuard } from './admin-key.guard.js';
import { PolicyAdminController } from './policy-admin.controller.js';
import { PolicyAdminService } from './policy-admin.service.js';

export interface PolicyAdminModuleOptions {
  imports?: ModuleMetadata['imports'];
  /**
   * Whatever of ADMIN_KEY, POLICY_CATALOG, POLICY_ENVIRONMENT, POLICY_PUBLISHER and
   * PolicyVersionRepository the imports (or a global module) do not already provide.
   */
  providers?: Provider[];
}

/** `/admin/policy`: policy versions, activation and diffs, behind the admin key. */
@Module({})
export class PolicyAdminModule {
  static register(options: PolicyAdminModuleOptions = {}): DynamicModule {
    return {
      module: PolicyAdminModule,
      imports: options.imports ?? [],
      controllers: [PolicyAdminController],
      providers: [...(options.providers ?? []), AdminKeyGuard, PolicyAdminService],
    };
  }
}
