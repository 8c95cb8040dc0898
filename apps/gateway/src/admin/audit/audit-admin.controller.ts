import { Controller, Get, Query } from '@nestjs/common';
import { type AdminAuditListResponse, type ListAdminAuditQuery, listAdminAuditQuerySchema } from '@switchyard/contracts';
import { ZodBodyPipe } from '../../validation/zod-body.pipe.js';
import { AdminRoute } from '../admin-key.guard.js';
import { type AdminPrincipal, CurrentAdmin, TenantAdmins } from '../auth/admin-principal.js';
import { AuditAdminService } from './audit-admin.service.js';

/** `GET /admin/audit`: admin changes and refusals, newest first. */
@Controller('admin/audit')
@AdminRoute()
export class AuditAdminController {
  constructor(private readonly service: AuditAdminService) {}

  @Get()
  @TenantAdmins()
  list(@CurrentAdmin() principal: AdminPrincipal, @Query(new ZodBodyPipe(listAdminAuditQuerySchema)) query: ListAdminAuditQuery): Promise<AdminAuditListResponse> {
    return this.service.list(principal, query);
  }
}
