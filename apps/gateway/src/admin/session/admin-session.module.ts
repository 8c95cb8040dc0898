import { type DynamicModule, Module } from '@nestjs/common';
import { AdminKeyGuard } from '../admin-key.guard.js';
import { ADMIN_KEY } from '../policy-admin.tokens.js';
import { AdminSessionController } from './admin-session.controller.js';
import { AdminSessionService } from './admin-session.service.js';

/** `GET /admin/session`. TenantRepository and AdminKeyRepository come from the global AdminAuthModule. */
@Module({})
export class AdminSessionModule {
  static register(adminKey: string): DynamicModule {
    return {
      module: AdminSessionModule,
      controllers: [AdminSessionController],
      providers: [{ provide: ADMIN_KEY, useValue: adminKey }, AdminKeyGuard, AdminSessionService],
    };
  }
}
