import { Body, Controller, Get, Headers, Post, UseGuards } from '@nestjs/common';
import { type CreateTenantRequest, createTenantRequestSchema, type Tenant, type TenantListResponse } from '@switchyard/contracts';
import { ZodBodyPipe } from '../../validation/zod-body.pipe.js';
import { AdminKeyGuard } from '../admin-key.guard.js';
import { ACTOR_HEADER } from '../policy-admin.tokens.js';
import { KeysAdminService } from './keys-admin.service.js';

@Controller('admin/tenants')
@UseGuards(AdminKeyGuard)
export class TenantsAdminController {
  constructor(private readonly service: KeysAdminService) {}

  @Post()
  create(@Body(new ZodBodyPipe(createTenantRequestSchema)) body: CreateTenantRequest, @Headers(ACTOR_HEADER) actor: string | undefined): Promise<Tenant> {
    return this.service.createTenant(body, actor);
  }

  @Get()
  list(): Promise<TenantListResponse> {
    return this.service.listTenants();
  }
}
