import { Controller, Get, Inject } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@switchyard/config';
import type { DeploymentListResponse } from '@switchyard/contracts';
import { DeploymentStateService } from '../routing/live/deployment-state.service.js';
import { AdminRoute } from './admin-key.guard.js';

/** Live state of every configured deployment on this gateway instance: breakers, latency, errors, load. */
@Controller('admin/deployments')
@AdminRoute()
export class DeploymentsAdminController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly live: DeploymentStateService,
  ) {}

  @Get()
  list(): DeploymentListResponse {
    const known = new Map(this.live.all().map((d) => [d.model, d]));
    return {
      object: 'list',
      data: this.config.models.map((m) => {
        const details = known.get(m.id);
        return { model: m.id, provider: m.provider, kind: m.kind, observed: details !== undefined, ...(details && { snapshot: details.snapshot, breaker: details.breaker }) };
      }),
    };
  }
}
