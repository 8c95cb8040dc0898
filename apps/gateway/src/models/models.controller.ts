import { statSync } from 'node:fs';
import { Controller, Get, Inject } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@switchyard/config';
import { RouteResolver } from '../routing/route-resolver.service.js';

interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

@Controller('v1/models')
export class ModelsController {
  private readonly created: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly router: RouteResolver,
  ) {
    // The config file's mtime: stable across restarts, changes when the model list can.
    this.created = Math.floor(statSync(config.configPath).mtimeMs / 1000);
  }

  /** Built per call: a new policy version can add workload aliases. */
  @Get()
  all(): { object: 'list'; data: ModelEntry[] } {
    const { created } = this;
    const { models, aliases } = this.router.listModelIds();
    return {
      object: 'list',
      data: [
        ...aliases.map((id) => ({ id, object: 'model' as const, created, owned_by: 'switchyard' })),
        ...models.map((m) => ({ id: m.id, object: 'model' as const, created, owned_by: m.provider })),
      ],
    };
  }
}
