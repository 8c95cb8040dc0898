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
  private readonly list: { object: 'list'; data: ModelEntry[] };

  constructor(@Inject(APP_CONFIG) config: AppConfig, router: RouteResolver) {
    // The config file's mtime: stable across restarts, changes when the model list can.
    const created = Math.floor(statSync(config.configPath).mtimeMs / 1000);
    const { models, aliases } = router.listModelIds();
    this.list = {
      object: 'list',
      data: [
        ...aliases.map((id) => ({ id, object: 'model' as const, created, owned_by: 'switchyard' })),
        ...models.map((m) => ({ id: m.id, object: 'model' as const, created, owned_by: m.provider })),
      ],
    };
  }

  @Get()
  all(): { object: 'list'; data: ModelEntry[] } {
    return this.list;
  }
}
