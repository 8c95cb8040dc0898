import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  type ActivatePolicyRequest,
  type ActivatePolicyResponse,
  activatePolicyRequestSchema,
  type ActivePolicyResponse,
  type CreatePolicyVersionRequest,
  type CreatePolicyVersionResponse,
  createPolicyVersionRequestSchema,
  type ListPolicyActivationsQuery,
  listPolicyActivationsQuerySchema,
  type ListPolicyVersionsQuery,
  listPolicyVersionsQuerySchema,
  type PolicyActivationListResponse,
  type PolicyDiffQuery,
  type PolicyDiffResponse,
  policyDiffQuerySchema,
  type PolicyVersion,
  type PolicyVersionListResponse,
  type ValidatePolicyRequest,
  type ValidatePolicyResponse,
  validatePolicyRequestSchema,
} from '@switchyard/contracts';
import { ZodBodyPipe } from '../validation/zod-body.pipe.js';
import { AdminRoute } from './admin-key.guard.js';
import { PolicyAdminService } from './policy-admin.service.js';
import { ACTOR_HEADER } from './policy-admin.tokens.js';

@Controller('admin/policy')
@AdminRoute()
export class PolicyAdminController {
  constructor(private readonly service: PolicyAdminService) {}

  @Get()
  active(): Promise<ActivePolicyResponse> {
    return this.service.active();
  }

  @Get('versions')
  list(@Query(new ZodBodyPipe(listPolicyVersionsQuerySchema)) query: ListPolicyVersionsQuery): Promise<PolicyVersionListResponse> {
    return this.service.list(query);
  }

  @Get('versions/:id')
  get(@Param('id') id: string): Promise<PolicyVersion> {
    return this.service.get(id);
  }

  @Get('diff')
  diff(@Query(new ZodBodyPipe(policyDiffQuerySchema)) query: PolicyDiffQuery): Promise<PolicyDiffResponse> {
    return this.service.diff(query);
  }

  @Get('activations')
  activations(@Query(new ZodBodyPipe(listPolicyActivationsQuerySchema)) query: ListPolicyActivationsQuery): Promise<PolicyActivationListResponse> {
    return this.service.activations(query);
  }

  @Post('validate')
  @HttpCode(200)
  validate(@Body(new ZodBodyPipe(validatePolicyRequestSchema)) body: ValidatePolicyRequest): ValidatePolicyResponse {
    return this.service.validate(body);
  }

  @Post('versions')
  @HttpCode(201)
  create(@Body(new ZodBodyPipe(createPolicyVersionRequestSchema)) body: CreatePolicyVersionRequest, @Headers(ACTOR_HEADER) actor: string | undefined): Promise<CreatePolicyVersionResponse> {
    return this.service.create(body, actor);
  }

  @Post('activate')
  @HttpCode(200)
  activate(@Body(new ZodBodyPipe(activatePolicyRequestSchema)) body: ActivatePolicyRequest, @Headers(ACTOR_HEADER) actor: string | undefined): Promise<ActivatePolicyResponse> {
    return this.service.activate(body, actor);
  }
}
