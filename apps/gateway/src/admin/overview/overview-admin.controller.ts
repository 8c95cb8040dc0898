import { Controller, Get, Query } from '@nestjs/common';
import {
  type ExplorationOverviewResponse,
  type QualityOverviewQuery,
  qualityOverviewQuerySchema,
  type QualityOverviewResponse,
  type UsageOverviewQuery,
  usageOverviewQuerySchema,
  type UsageOverviewResponse,
} from '@switchyard/contracts';
import { ZodBodyPipe } from '../../validation/zod-body.pipe.js';
import { AdminRoute } from '../admin-key.guard.js';
import { type AdminPrincipal, CurrentAdmin, TenantAdmins, tenantScopeOf } from '../auth/admin-principal.js';
import { OverviewAdminService } from './overview-admin.service.js';

/**
 * `/admin/overview/*`: what the console's front page charts. Usage and quality are scoped to a
 * tenant admin's own tenant; the exploration budget is one global ledger, for the global key only.
 */
@Controller('admin/overview')
@AdminRoute()
export class OverviewAdminController {
  constructor(private readonly overview: OverviewAdminService) {}

  @Get('usage')
  @TenantAdmins()
  usage(@CurrentAdmin() principal: AdminPrincipal, @Query(new ZodBodyPipe(usageOverviewQuerySchema)) query: UsageOverviewQuery): Promise<UsageOverviewResponse> {
    return this.overview.usage(tenantScopeOf(principal), query);
  }

  @Get('quality')
  @TenantAdmins()
  quality(@CurrentAdmin() principal: AdminPrincipal, @Query(new ZodBodyPipe(qualityOverviewQuerySchema)) query: QualityOverviewQuery): Promise<QualityOverviewResponse> {
    return this.overview.quality(tenantScopeOf(principal), query);
  }

  @Get('exploration')
  exploration(): Promise<ExplorationOverviewResponse> {
    return this.overview.explorationToday();
  }
}
