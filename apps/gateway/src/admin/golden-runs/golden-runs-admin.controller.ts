import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
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
import { AdminKeyGuard } from '../admin-key.guard.js';
import { ACTOR_HEADER } from '../policy-admin.tokens.js';
import { GoldenRunService } from './golden-run.service.js';

@Controller('admin/golden-runs')
@UseGuards(AdminKeyGuard)
export class GoldenRunsAdminController {
  constructor(private readonly service: GoldenRunService) {}

  /** 201 with the run, already queued: poll GET /admin/golden-runs/:id for progress. */
  @Post()
  start(@Body(new ZodBodyPipe(createGoldenRunRequestSchema)) body: CreateGoldenRunRequest, @Headers(ACTOR_HEADER) actor: string | undefined): Promise<GoldenRunDetail> {
    return this.service.start(body, actor);
  }

  @Get()
  list(@Query(new ZodBodyPipe(listGoldenRunsQuerySchema)) query: ListGoldenRunsQuery): Promise<GoldenRunListResponse> {
    return this.service.list(query);
  }

  @Get(':id')
  get(@Param(new ZodBodyPipe(goldenRunParamsSchema)) params: GoldenRunParams): Promise<GoldenRunDetail> {
    return this.service.get(params.id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@Param(new ZodBodyPipe(goldenRunParamsSchema)) params: GoldenRunParams): Promise<GoldenRunDetail> {
    return this.service.cancel(params.id);
  }
}
