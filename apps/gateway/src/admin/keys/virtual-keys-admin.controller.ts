import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import {
  type CreateVirtualKeyRequest,
  createVirtualKeyRequestSchema,
  type ListVirtualKeysQuery,
  listVirtualKeysQuerySchema,
  type SetVirtualKeyExpiryRequest,
  setVirtualKeyExpiryRequestSchema,
  type VirtualKey,
  virtualKeyIdSchema,
  type VirtualKeyListResponse,
  type VirtualKeyWithSecretResponse,
} from '@switchyard/contracts';
import { z } from 'zod';
import { ZodBodyPipe } from '../../validation/zod-body.pipe.js';
import { AdminKeyGuard } from '../admin-key.guard.js';
import { ACTOR_HEADER } from '../policy-admin.tokens.js';
import { KeysAdminService } from './keys-admin.service.js';

const keyParamsSchema = z.object({ id: virtualKeyIdSchema });
type KeyParams = z.infer<typeof keyParamsSchema>;

/** `/admin/keys`: virtual keys. Create and rotate answer with the secret, once. */
@Controller('admin/keys')
@UseGuards(AdminKeyGuard)
export class VirtualKeysAdminController {
  constructor(private readonly service: KeysAdminService) {}

  @Post()
  create(@Body(new ZodBodyPipe(createVirtualKeyRequestSchema)) body: CreateVirtualKeyRequest, @Headers(ACTOR_HEADER) actor: string | undefined): Promise<VirtualKeyWithSecretResponse> {
    return this.service.createKey(body, actor);
  }

  @Get()
  list(@Query(new ZodBodyPipe(listVirtualKeysQuerySchema)) query: ListVirtualKeysQuery): Promise<VirtualKeyListResponse> {
    return this.service.listKeys(query.tenantId);
  }

  @Get(':id')
  get(@Param(new ZodBodyPipe(keyParamsSchema)) params: KeyParams): Promise<VirtualKey> {
    return this.service.getKey(params.id);
  }

  @Post(':id/rotate')
  @HttpCode(200)
  rotate(@Param(new ZodBodyPipe(keyParamsSchema)) params: KeyParams, @Headers(ACTOR_HEADER) actor: string | undefined): Promise<VirtualKeyWithSecretResponse> {
    return this.service.rotate(params.id, actor);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  revoke(@Param(new ZodBodyPipe(keyParamsSchema)) params: KeyParams, @Headers(ACTOR_HEADER) actor: string | undefined): Promise<VirtualKey> {
    return this.service.revoke(params.id, actor);
  }

  @Post(':id/expiry')
  @HttpCode(200)
  setExpiry(
    @Param(new ZodBodyPipe(keyParamsSchema)) params: KeyParams,
    @Body(new ZodBodyPipe(setVirtualKeyExpiryRequestSchema)) body: SetVirtualKeyExpiryRequest,
    @Headers(ACTOR_HEADER) actor: string | undefined,
  ): Promise<VirtualKey> {
    return this.service.setExpiry(params.id, body, actor);
  }
}
