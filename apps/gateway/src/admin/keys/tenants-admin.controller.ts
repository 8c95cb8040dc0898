import { Body, Controller, Get, Headers, Param, Patch, Post } from '@nestjs/common';
import {
  type CreateTenantRequest,
  createTenantRequestSchema,
  type Tenant,
  type TenantListResponse,
  type UpdateTenantLimitsRequest,
  updateTenantLimitsRequestSchema,
} from '@switchyard/contracts';
import { ZodBodyPipe } from '../../validation/zod-body.pipe.js';
import { AdminRoute } from '../admin-key.guard.js';
import { ACTOR_HEADER } from '../policy-admin.tokens.js';
import { KeysAdminService } from './keys-admin.service.js';

/** `/admin/tenants`: global admin key only. */
@Controller('admin/tenants')
@AdminRoute()
export class TenantsAdminController {
  constructor(private readonly service: KeysAdminService) {}

  @Post()
  create(@Body(new ZodBodyPipe(createTenantRequestSchema)) body: CreateTenantRequest, @Headers(ACTOR_HEADER) actor: string | undefined): Promise<Tenant> {
    return this.service.createTenant(body, actor);
  }

  /** Budgets and rate limits shared by the tenant's keys (applied within seconds), and the workloads it owns. */
  @Patch(':id')
  updateLimits(
    @Param('id') id: string,
    @Body(new ZodBodyPipe(updateTenantLimitsRequestSchema)) body: UpdateTenantLimitsRequest,
    @Headers(ACTOR_HEADER) actor: string | undefined,
  ): Promise<Tenant> {
    return this.service.updateTenantLimits(id, body, actor);
  }

  @Get()
  list(): Promise<TenantListResponse> {
    return this.service.listTenants();
  }
}
