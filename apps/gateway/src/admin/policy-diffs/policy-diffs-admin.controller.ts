import { Body, Controller, Get, Headers, HttpCode, Param, type PipeTransform, Post, Query } from '@nestjs/common';
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
import { AdminRoute } from '../admin-key.guard.js';
import { type AdminPrincipal, CurrentAdmin, TenantAdmins } from '../auth/admin-principal.js';
import { ACTOR_HEADER } from '../policy-admin.tokens.js';
import { PolicyDiffsAdminService } from './policy-diffs-admin.service.js';

/** An approval needs no body: none reads as `{}`. */
class NoBodyAsEmpty implements PipeTransform<unknown, unknown> {
  transform(value: unknown): unknown {
    return value ?? {};
  }
}

/**
 * Tenant admin keys read the diffs that change only their tenant's workloads. Proposing, approving
 * and rejecting change the shared routing: global admin key only.
 */
@Controller('admin/policy-diffs')
@AdminRoute()
export class PolicyDiffsAdminController {
  constructor(private readonly service: PolicyDiffsAdminService) {}

  /** 201 with the stored diff and its events; already approved when auto-approve applies. */
  @Post()
  create(@Body(new ZodBodyPipe(createPolicyDiffRequestSchema)) body: CreatePolicyDiffRequest, @Headers(ACTOR_HEADER) actor: string | undefined): Promise<PolicyDiffDetail> {
    return this.service.create(body, actor);
  }

  @Get()
  @TenantAdmins()
  list(@CurrentAdmin() principal: AdminPrincipal, @Query(new ZodBodyPipe(listPolicyDiffsQuerySchema)) query: ListPolicyDiffsQuery): Promise<PolicyDiffListResponse> {
    return this.service.list(principal, query);
  }

  @Get(':id')
  @TenantAdmins()
  get(@CurrentAdmin() principal: AdminPrincipal, @Param(new ZodBodyPipe(policyDiffParamsSchema)) params: PolicyDiffParams): Promise<PolicyDiffDetail> {
    return this.service.get(principal, params.id);
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
