import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  type CreateGoldenRunRequest,
  createGoldenRunRequestSchema,
  type GoldenRunDetail,
  type GoldenRunListResponse,
  type GoldenRunParams,
  goldenRunParamsSchema,
  type ListGoldenRunsQuery,
  listGoldenRunsQuerySchema,
} from '@switchyard/contracts';
import { ZodBodyPipe } from '../../validation/zod-body.pipe.js';
import { AdminRoute } from '../admin-key.guard.js';
import { type AdminPrincipal, CurrentAdmin, TenantAdmins, tenantScopeOf } from '../auth/admin-principal.js';
import { ACTOR_HEADER } from '../policy-admin.tokens.js';
import { GoldenRunService } from './golden-run.service.js';

/**
 * Tenant admin keys read the runs on their tenant's datasets. Starting and cancelling stay with the
 * global admin key: a run's calls are the gateway's own, paid outside any tenant's budget.
 */
@Controller('admin/golden-runs')
@AdminRoute()
export class GoldenRunsAdminController {
  constructor(private readonly service: GoldenRunService) {}

  /** 201 with the run, already queued: poll GET /admin/golden-runs/:id for progress. `tenantId` picks a tenant's dataset. */
  @Post()
  start(@Body(new ZodBodyPipe(createGoldenRunRequestSchema)) body: CreateGoldenRunRequest, @Headers(ACTOR_HEADER) actor: string | undefined): Promise<GoldenRunDetail> {
    return this.service.start(body, actor);
  }

  @Get()
  @TenantAdmins()
  list(@CurrentAdmin() principal: AdminPrincipal, @Query(new ZodBodyPipe(listGoldenRunsQuerySchema)) query: ListGoldenRunsQuery): Promise<GoldenRunListResponse> {
    return this.service.list(tenantScopeOf(principal), query);
  }

  @Get(':id')
  @TenantAdmins()
  get(@CurrentAdmin() principal: AdminPrincipal, @Param(new ZodBodyPipe(goldenRunParamsSchema)) params: GoldenRunParams): Promise<GoldenRunDetail> {
    return this.service.get(tenantScopeOf(principal), params.id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@Param(new ZodBodyPipe(goldenRunParamsSchema)) params: GoldenRunParams): Promise<GoldenRunDetail> {
    return this.service.cancel(params.id);
  }
}
