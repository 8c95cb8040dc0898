import { Body, Controller, Get, Headers, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  type CreateDatasetVersionResponse,
  type DatasetFromSpansRequest,
  datasetFromSpansRequestSchema,
  type DatasetItemListResponse,
  type DatasetItemsQuery,
  datasetItemsQuerySchema,
  type DatasetListResponse,
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
import { AdminKeyGuard } from '../admin-key.guard.js';
import { ACTOR_HEADER } from '../policy-admin.tokens.js';
import { DatasetUploadService } from './dataset-upload.service.js';
import { DatasetsAdminService } from './datasets-admin.service.js';

@Controller('admin/datasets')
@UseGuards(AdminKeyGuard)
export class DatasetsAdminController {
  constructor(
    private readonly service: DatasetsAdminService,
    private readonly uploads: DatasetUploadService,
  ) {}

  @Get()
  list(): Promise<DatasetListResponse> {
    return this.service.list();
  }

  /** 201 with a new version; 200 with the existing one when the same items were uploaded before. */
  @Post(':name/versions')
  @RouteConfig(UPLOAD_ROUTE)
  async upload(
    @Param(new ZodBodyPipe(datasetParamsSchema)) params: DatasetParams,
    @Query(new ZodBodyPipe(uploadDatasetQuerySchema)) query: UploadDatasetQuery,
    @Headers(ACTOR_HEADER) actor: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreateDatasetVersionResponse> {
    const file = await this.uploads.read(request);
    const result = await this.service.upload(params.name, query, file, actor);
    void reply.status(result.created ? 201 : 200);
    return result;
  }

  @Post(':name/versions/from-spans')
  async fromSpans(
    @Param(new ZodBodyPipe(datasetParamsSchema)) params: DatasetParams,
    @Body(new ZodBodyPipe(datasetFromSpansRequestSchema)) body: DatasetFromSpansRequest,
    @Headers(ACTOR_HEADER) actor: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreateDatasetVersionResponse> {
    const result = await this.service.fromSpans(params.name, body, actor);
    void reply.status(result.created ? 201 : 200);
    return result;
  }

  @Get(':name/versions')
  versions(@Param(new ZodBodyPipe(datasetParamsSchema)) params: DatasetParams): Promise<DatasetVersionListResponse> {
    return this.service.versions(params.name);
  }

  @Get(':name/versions/:version')
  version(@Param(new ZodBodyPipe(datasetVersionParamsSchema)) params: DatasetVersionParams): Promise<DatasetVersionResponse> {
    return this.service.version(params.name, params.version);
  }

  @Get(':name/versions/:version/items')
  items(
    @Param(new ZodBodyPipe(datasetVersionParamsSchema)) params: DatasetVersionParams,
    @Query(new ZodBodyPipe(datasetItemsQuerySchema)) query: DatasetItemsQuery,
  ): Promise<DatasetItemListResponse> {
    return this.service.items(params.name, params.version, query);
  }
}
