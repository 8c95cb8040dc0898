import { Body, Controller, Get, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { type AbortCanaryRequest, abortCanaryRequestSchema, type CanaryStatus, type ScheduleCanaryRequest, scheduleCanaryRequestSchema } from '@switchyard/contracts';
import { ZodBodyPipe } from '../../validation/zod-body.pipe.js';
import { AdminRoute } from '../admin-key.guard.js';
import { type AdminPrincipal, CurrentAdmin, TenantAdmins, tenantScopeOf } from '../auth/admin-principal.js';
import { ACTOR_HEADER } from '../policy-admin.tokens.js';
import { PolicyDiffCanaryService } from './policy-diff-canary.service.js';

/** `/admin/policy-diffs/:id/canary`: schedule, watch and abort an approved diff's rollout. Tenant admin keys may only watch their own diffs'. */
@Controller('admin/policy-diffs/:id/canary')
@AdminRoute()
export class PolicyDiffCanaryController {
  constructor(private readonly canary: PolicyDiffCanaryService) {}

  @Post()
  @HttpCode(202)
  schedule(@Param('id') id: string, @Body(new ZodBodyPipe(scheduleCanaryRequestSchema)) body: ScheduleCanaryRequest, @Headers(ACTOR_HEADER) actor: string | undefined): ReturnType<PolicyDiffCanaryService['schedule']> {
    return this.canary.schedule(id, body, actor);
  }

  @Get()
  @TenantAdmins()
  status(@CurrentAdmin() principal: AdminPrincipal, @Param('id') id: string): Promise<CanaryStatus> {
    return this.canary.status(tenantScopeOf(principal), id);
  }

  @Post('abort')
  @HttpCode(200)
  abort(@Param('id') id: string, @Body(new ZodBodyPipe(abortCanaryRequestSchema)) body: AbortCanaryRequest, @Headers(ACTOR_HEADER) actor: string | undefined): Promise<CanaryStatus> {
    return this.canary.abort(id, body, actor);
  }
}
