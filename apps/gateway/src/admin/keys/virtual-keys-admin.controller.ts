import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  type CreateVirtualKeyRequest,
  createVirtualKeyRequestSchema,
  type ListVirtualKeysQuery,
  listVirtualKeysQuerySchema,
  type SetVirtualKeyExpiryRequest,
  setVirtualKeyExpiryRequestSchema,
  type UpdateVirtualKeyRequest,
  updateVirtualKeyRequestSchema,
  type VirtualKey,
  virtualKeyIdSchema,
  type VirtualKeyListResponse,
  type VirtualKeyWithSecretResponse,
} from '@switchyard/contracts';
import { z } from 'zod';
import { ZodBodyPipe } from '../../validation/zod-body.pipe.js';
import { AdminRoute } from '../admin-key.guard.js';
import { type AdminPrincipal, CurrentAdmin, TenantAdmins } from '../auth/admin-principal.js';
import { ACTOR_HEADER } from '../policy-admin.tokens.js';
import { KeysAdminService } from './keys-admin.service.js';

const keyParamsSchema = z.object({ id: virtualKeyIdSchema });
type KeyParams = z.infer<typeof keyParamsSchema>;

/** `/admin/keys`: virtual keys. Create and rotate answer with the secret, once. A tenant admin key manages its own tenant's. */
@Controller('admin/keys')
@AdminRoute()
@TenantAdmins()
export class VirtualKeysAdminController {
  constructor(private readonly service: KeysAdminService) {}

  @Post()
  create(
    @CurrentAdmin() principal: AdminPrincipal,
    @Body(new ZodBodyPipe(createVirtualKeyRequestSchema)) body: CreateVirtualKeyRequest,
    @Headers(ACTOR_HEADER) actor: string | undefined,
  ): Promise<VirtualKeyWithSecretResponse> {
    return this.service.createKey(principal, body, actor);
  }

  @Get()
  list(@CurrentAdmin() principal: AdminPrincipal, @Query(new ZodBodyPipe(listVirtualKeysQuerySchema)) query: ListVirtualKeysQuery): Promise<VirtualKeyListResponse> {
    return this.service.listKeys(principal, query.tenantId);
  }

  @Get(':id')
  get(@CurrentAdmin() principal: AdminPrincipal, @Param(new ZodBodyPipe(keyParamsSchema)) params: KeyParams): Promise<VirtualKey> {
    return this.service.getKey(principal, params.id);
  }

  /** Permissions and limits in place; the secret stays. */
  @Patch(':id')
  update(
    @CurrentAdmin() principal: AdminPrincipal,
    @Param(new ZodBodyPipe(keyParamsSchema)) params: KeyParams,
    @Body(new ZodBodyPipe(updateVirtualKeyRequestSchema)) body: UpdateVirtualKeyRequest,
    @Headers(ACTOR_HEADER) actor: string | undefined,
  ): Promise<VirtualKey> {
    return this.service.update(principal, params.id, body, actor);
  }

  @Post(':id/rotate')
  @HttpCode(200)
  rotate(@CurrentAdmin() principal: AdminPrincipal, @Param(new ZodBodyPipe(keyParamsSchema)) params: KeyParams, @Headers(ACTOR_HEADER) actor: string | undefined): Promise<VirtualKeyWithSecretResponse> {
    return this.service.rotate(principal, params.id, actor);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  revoke(@CurrentAdmin() principal: AdminPrincipal, @Param(new ZodBodyPipe(keyParamsSchema)) params: KeyParams, @Headers(ACTOR_HEADER) actor: string | undefined): Promise<VirtualKey> {
    return this.service.revoke(principal, params.id, actor);
  }

  @Post(':id/expiry')
  @HttpCode(200)
  setExpiry(
    @CurrentAdmin() principal: AdminPrincipal,
    @Param(new ZodBodyPipe(keyParamsSchema)) params: KeyParams,
    @Body(new ZodBodyPipe(setVirtualKeyExpiryRequestSchema)) body: SetVirtualKeyExpiryRequest,
    @Headers(ACTOR_HEADER) actor: string | undefined,
  ): Promise<VirtualKey> {
    return this.service.setExpiry(principal, params.id, body, actor);
  }
}
