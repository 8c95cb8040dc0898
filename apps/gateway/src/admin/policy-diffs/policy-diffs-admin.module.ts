import { type DynamicModule, Module, type ModuleMetadata, type Provider } from '@nestjs/common';
import { AdminKeyGuard } from '../admin-key.guard.js';
import { PolicyDiffCanaryController } from './policy-diff-canary.controller.js';
import { PolicyDiffCanaryService } from './policy-diff-canary.service.js';
import { PolicyDiffsAdminController } from './policy-diffs-admin.controller.js';
import { PolicyDiffsAdminService } from './policy-diffs-admin.service.js';

export interface PolicyDiffsAdminModuleOptions {
  imports?: ModuleMetadata['imports'];
  /**
   * Whatever of ADMIN_KEY, POLICY_CATALOG, POLICY_ENVIRONMENT, POLICY_DIFF_AUTO_APPROVE, REDIS_CLIENT,
   * PolicyDiffRepository, PolicyVersionRepository, CanaryMeasurementRepository and TenantRepository the imports (or a global
   * module, such as AdminAuthModule) do not already provide.
   */
  providers?: Provider[];
}

/** `/admin/policy-diffs`: review of proposed policy changes, behind the admin keys. */
@Module({})
export class PolicyDiffsAdminModule {
  static register(options: PolicyDiffsAdminModuleOptions = {}): DynamicModule {
    return {
      module: PolicyDiffsAdminModule,
      imports: options.imports ?? [],
      controllers: [PolicyDiffsAdminController, PolicyDiffCanaryController],
      providers: [...(options.providers ?? []), AdminKeyGuard, PolicyDiffsAdminService, PolicyDiffCanaryService],
    };
  }
}
