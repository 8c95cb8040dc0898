import { Body, Controller, Get, Headers, HttpCode, Param, Post } from '@nestjs/common';
import {
  type AdminKey,
  adminKeyIdSchema,
  type AdminKeyListResponse,
  type AdminKeyWithSecretResponse,
  type CreateAdminKeyRequest,
  createAdminKeyRequestSchema,
  tenantIdSchema,
} from '@switchyard/contracts';
import { z } from 'zod';
import { ZodBodyPipe } from '../../validation/zod-body.pipe.js';
import { AdminRoute } from '../admin-key.guard.js';
import { ACTOR_HEADER } from '../policy-admin.tokens.js';
import { AdminKeysAdminService } from './admin-keys-admin.service.js';

const tenantParamsSchema = z.object({ id: tenantIdSchema });
const keyParamsSchema = z.object({ id: adminKeyIdSchema });

/** Tenant admin keys, managed with the global admin key only: a tenant admin key cannot mint or revoke admin keys. */
@Controller('admin')
@AdminRoute()
export class AdminKeysAdminController {
  constructor(private readonly service: AdminKeysAdminService) {}

  /** 201 with the secret, the only time it is shown. */
  @Post('tenants/:id/admin-keys')
  create(
    @Param(new ZodBodyPipe(tenantParamsSchema)) params: z.infer<typeof tenantParamsSchema>,
    @Body(new ZodBodyPipe(createAdminKeyRequestSchema)) body: CreateAdminKeyRequest,
    @Headers(ACTOR_HEADER) actor: string | undefined,
  ): Promise<AdminKeyWithSecretResponse> {
    return this.service.create(params.id, body, actor);
  }

  @Get('tenants/:id/admin-keys')
  list(@Param(new ZodBodyPipe(tenantParamsSchema)) params: z.infer<typeof tenantParamsSchema>): Promise<AdminKeyListResponse> {
    return this.service.list(params.id);
  }

  @Post('admin-keys/:id/revoke')
  @HttpCode(200)
  revoke(@Param(new ZodBodyPipe(keyParamsSchema)) params: z.infer<typeof keyParamsSchema>, @Headers(ACTOR_HEADER) actor: string | undefined): Promise<AdminKey> {
    return this.service.revoke(params.id, actor);
  }
}
