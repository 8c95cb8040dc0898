import { Body, Controller, Get, Headers, HttpCode, Param, type PipeTransform, Post, Query, UseGuards } from '@nestjs/common';
import {
  type ApprovePolicyDiffRequest,
  approvePolicyDiffRequestSchema,
  type CreatePolicyDiffRequest,
  createPolicyDiffRequestSchema,
  type ListPolicyDiffsQuery,
  listPolicyDiffsQuerySchema,
  type PolicyDiffDetail,
  type PolicyDiffListResponse,
  type PolicyDiffParams,
  policyDiffParamsSchema,
  type RejectPolicyDiffRequest,
  rejectPolicyDiffRequestSchema,
} from '@switchyard/contracts';
import { ZodBodyPipe } from '../../validation/zod-body.pipe.js';
import { AdminKeyGuard } from '../admin-key.guard.js';
import { ACTOR_HEADER } from '../policy-admin.tokens.js';
import { PolicyDiffsAdminService } from './policy-diffs-admin.service.js';

/** An approval needs no body: none reads as `{}`. */
class NoBodyAsEmpty implements PipeTransform<unknown, unknown> {
  transform(value: unknown): unknown {
    return value ?? {};
  }
}

@Controller('admin/policy-diffs')
@UseGuards(AdminKeyGuard)
export class PolicyDiffsAdminController {
  constructor(private readonly service: PolicyDiffsAdminService) {}

  /** 201 with the stored diff and its events; already approved when auto-approve applies. */
  @Post()
  create(@Body(new ZodBodyPipe(createPolicyDiffRequestSchema)) body: CreatePolicyDiffRequest, @Headers(ACTOR_HEADER) actor: string | undefined): Promise<PolicyDiffDetail> {
    return this.service.create(body, actor);
  }

  @Get()
  list(@Query(new ZodBodyPipe(listPolicyDiffsQuerySchema)) query: ListPolicyDiffsQuery): Promise<PolicyDiffListResponse> {
    return this.service.list(query);
  }

  @Get(':id')
  get(@Param(new ZodBodyPipe(policyDiffParamsSchema)) params: PolicyDiffParams): Promise<PolicyDiffDetail> {
    return this.service.get(params.id);
  }

  @Post(':id/approve')
  @HttpCode(200)
  approve(
    @Param(new ZodBodyPipe(policyDiffParamsSchema)) params: PolicyDiffParams,
    @Body(new NoBodyAsEmpty(), new ZodBodyPipe(approvePolicyDiffRequestSchema)) body: ApprovePolicyDiffRequest,
    @Headers(ACTOR_HEADER) actor: string | undefined,
  ): Promise<PolicyDiffDetail> {
    return this.service.approve(params.id, body, actor);
  }

  @Post(':id/reject')
  @HttpCode(200)
  reject(
    @Param(new ZodBodyPipe(policyDiffParamsSchema)) params: PolicyDiffParams,
    @Body(new ZodBodyPipe(rejectPolicyDiffRequestSchema)) body: RejectPolicyDiffRequest,
    @Headers(ACTOR_HEADER) actor: string | undefined,
  ): Promise<PolicyDiffDetail> {
    return this.service.reject(params.id, body, actor);
  }
}
