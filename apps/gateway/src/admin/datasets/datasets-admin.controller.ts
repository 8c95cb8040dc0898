import { Body, Controller, Get, Headers, Param, Post, Query, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  type CreateDatasetVersionResponse,
  type DatasetFromSpansRequest,
  datasetFromSpansRequestSchema,
  type DatasetItemListResponse,
  type DatasetItemsQuery,
  datasetItemsQuerySchema,
  type DatasetListResponse,
  type DatasetOwnerQuery,
  datasetOwnerQuerySchema,
  type DatasetParams,
  datasetParamsSchema,
  type DatasetVersionListResponse,
  type DatasetVersionParams,
  datasetVersionParamsSchema,
  type DatasetVersionResponse,
  type UploadDatasetQuery,
  uploadDatasetQuerySchema,
} from '@switchyard/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UPLOAD_ROUTE } from '../../validation/upload-route.js';
import { ZodBodyPipe } from '../../validation/zod-body.pipe.js';
import { AdminRoute } from '../admin-key.guard.js';
import { type AdminPrincipal, CurrentAdmin, TenantAdmins } from '../auth/admin-principal.js';
import { ACTOR_HEADER } from '../policy-admin.tokens.js';
import { DatasetUploadService } from './dataset-upload.service.js';
import { DatasetsAdminService } from './datasets-admin.service.js';

/**
 * Tenant admin keys may use all of it, on their own tenant's datasets: what they upload is theirs,
 * and `from-spans` reads only their tenant's spans. The global admin key writes global datasets and
 * reads any, naming the tenant with `?tenantId=`.
 */
@Controller('admin/datasets')
@AdminRoute()
@TenantAdmins()
export class DatasetsAdminController {
  constructor(
    private readonly service: DatasetsAdminService,
    private readonly uploads: DatasetUploadService,
  ) {}

  @Get()
  list(@CurrentAdmin() principal: AdminPrincipal, @Query(new ZodBodyPipe(datasetOwnerQuerySchema)) query: DatasetOwnerQuery): Promise<DatasetListResponse> {
    return this.service.list(principal, query.tenantId);
  }

  /** 201 with a new version; 200 with the existing one when the same items were uploaded before. */
  @Post(':name/versions')
  @RouteConfig(UPLOAD_ROUTE)
  async upload(
    @CurrentAdmin() principal: AdminPrincipal,
    @Param(new ZodBodyPipe(datasetParamsSchema)) params: DatasetParams,
    @Query(new ZodBodyPipe(uploadDatasetQuerySchema)) query: UploadDatasetQuery,
    @Headers(ACTOR_HEADER) actor: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreateDatasetVersionResponse> {
    const file = await this.uploads.read(request);
    const result = await this.service.upload(principal, params.name, query, file, actor);
    void reply.status(result.created ? 201 : 200);
    return result;
  }

  @Post(':name/versions/from-spans')
  async fromSpans(
    @CurrentAdmin() principal: AdminPrincipal,
    @Param(new ZodBodyPipe(datasetParamsSchema)) params: DatasetParams,
    @Body(new ZodBodyPipe(datasetFromSpansRequestSchema)) body: DatasetFromSpansRequest,
    @Headers(ACTOR_HEADER) actor: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreateDatasetVersionResponse> {
    const result = await this.service.fromSpans(principal, params.name, body, actor);
    void reply.status(result.created ? 201 : 200);
    return result;
  }

  @Get(':name/versions')
  versions(
    @CurrentAdmin() principal: AdminPrincipal,
    @Param(new ZodBodyPipe(datasetParamsSchema)) params: DatasetParams,
    @Query(new ZodBodyPipe(datasetOwnerQuerySchema)) query: DatasetOwnerQuery,
  ): Promise<DatasetVersionListResponse> {
    return this.service.versions(principal, query.tenantId, params.name);
  }

  @Get(':name/versions/:version')
  version(
    @CurrentAdmin() principal: AdminPrincipal,
    @Param(new ZodBodyPipe(datasetVersionParamsSchema)) params: DatasetVersionParams,
    @Query(new ZodBodyPipe(datasetOwnerQuerySchema)) query: DatasetOwnerQuery,
  ): Promise<DatasetVersionResponse> {
    return this.service.version(principal, query.tenantId, params.name, params.version);
  }

  @Get(':name/versions/:version/items')
  items(
    @CurrentAdmin() principal: AdminPrincipal,
    @Param(new ZodBodyPipe(datasetVersionParamsSchema)) params: DatasetVersionParams,
    @Query(new ZodBodyPipe(datasetItemsQuerySchema)) query: DatasetItemsQuery,
  ): Promise<DatasetItemListResponse> {
    return this.service.items(principal, query.tenantId, params.name, params.version, query);
  }
}
