import { Body, Controller, Get, Headers, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { type AbortCanaryRequest, abortCanaryRequestSchema, type CanaryStatus, type ScheduleCanaryRequest, scheduleCanaryRequestSchema } from '@switchyard/contracts';
import { ZodBodyPipe } from '../../validation/zod-body.pipe.js';
import { AdminKeyGuard } from '../admin-key.guard.js';
import { ACTOR_HEADER } from '../policy-admin.tokens.js';
import { PolicyDiffCanaryService } from './policy-diff-canary.service.js';

/** `/admin/policy-diffs/:id/canary`: schedule, watch and abort an approved diff's rollout. */
@Controller('admin/policy-diffs/:id/canary')
@UseGuards(AdminKeyGuard)
export class PolicyDiffCanaryController {
  constructor(private readonly canary: PolicyDiffCanaryService) {}

  @Post()
  @HttpCode(202)
  schedule(@Param('id') id: string, @Body(new ZodBodyPipe(scheduleCanaryRequestSchema)) body: ScheduleCanaryRequest, @Headers(ACTOR_HEADER) actor: string | undefined): ReturnType<PolicyDiffCanaryService['schedule']> {
    return this.canary.schedule(id, body, actor);
  }

  @Get()
  status(@Param('id') id: string): Promise<CanaryStatus> {
    return this.canary.status(id);
  }

  @Post('abort')
  @HttpCode(200)
  abort(@Param('id') id: string, @Body(new ZodBodyPipe(abortCanaryRequestSchema)) body: AbortCanaryRequest, @Headers(ACTOR_HEADER) actor: string | undefined): Promise<CanaryStatus> {
    return this.canary.abort(id, body, actor);
  }
}
