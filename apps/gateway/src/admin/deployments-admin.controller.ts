import { Controller, Get, Inject } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@switchyard/config';
import { type DeploymentDetails, DeploymentStateService } from '../routing/live/deployment-state.service.js';
import { AdminRoute } from './admin-key.guard.js';

interface DeploymentEntry extends Partial<DeploymentDetails> {
  model: string;
  provider: string;
  /** False until the deployment has served or failed a call on this instance. */
  observed: boolean;
}

/** Live state of every configured deployment on this gateway instance: breakers, latency, errors, load. */
@Controller('admin/deployments')
@AdminRoute()
export class DeploymentsAdminController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly live: DeploymentStateService,
  ) {}

  @Get()
  list(): { object: 'list'; data: DeploymentEntry[] } {
    const known = new Map(this.live.all().map((d) => [d.model, d]));
    return {
      object: 'list',
      data: this.config.models.map((m) => {
        const details = known.get(m.id);
        return { model: m.id, provider: m.provider, observed: details !== undefined, ...(details && { snapshot: details.snapshot, breaker: details.breaker }) };
      }),
    };
  }
}
