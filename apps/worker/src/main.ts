import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { runProcess } from '@switchyard/runtime';
import { WorkerModule } from './worker.module.js';

runProcess('worker', async (config, infra) => {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, { database: infra.database, redisUrl: infra.redisUrl }), { logger: new Logger('Worker') });
  app.enableShutdownHooks();
  new Logger('Worker').log(`ready (redis ${infra.redisUrl}, prefix ${config.redisPrefix})`);
  return app;
});
