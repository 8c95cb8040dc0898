import { Controller, Get } from '@nestjs/common';
import type { AdminSession } from '@switchyard/contracts';
import { AdminRoute } from '../admin-key.guard.js';
import { type AdminPrincipal, CurrentAdmin, TenantAdmins } from '../auth/admin-principal.js';
import { AdminSessionService } from './admin-session.service.js';

/** `GET /admin/session`: who the presented admin key is. A missing or wrong key gets the guard's 401. */
@Controller('admin/session')
@AdminRoute()
export class AdminSessionController {
  constructor(private readonly session: AdminSessionService) {}

  @Get()
  @TenantAdmins()
  describe(@CurrentAdmin() principal: AdminPrincipal): Promise<AdminSession> {
    return this.session.describe(principal);
  }
}
