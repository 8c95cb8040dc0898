import { statSync } from 'node:fs';
import { Controller, Get, Inject, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '@switchyard/config';
import { RouteResolver } from '../routing/route-resolver.service.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { mayListModel } from '../auth/key-permissions.js';

interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

@UseGuards(ApiKeyGuard)
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
  all(@Req() req: FastifyRequest): { object: 'list'; data: ModelEntry[] } {
    const { created } = this;
    const { models, aliases } = this.router.listModelIds();
    return {
      object: 'list',
      data: [
        ...aliases.filter((id) => mayListModel(req.caller, id)).map((id) => ({ id, object: 'model' as const, created, owned_by: 'switchyard' })),
        ...models.filter((m) => mayListModel(req.caller, m.id)).map((m) => ({ id: m.id, object: 'model' as const, created, owned_by: m.provider })),
      ],
    };
  }
}
