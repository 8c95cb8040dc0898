import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { runProcess } from '@switchyard/runtime';
import { OptimizerModule } from './optimizer.module.js';

runProcess('optimizer', async (config, infra) => {
  const app = await NestFactory.createApplicationContext(OptimizerModule.forRoot(config, infra), { logger: new Logger('Optimizer') });
  app.enableShutdownHooks();
  new Logger('Optimizer').log(`ready (redis ${infra.redisUrl})`);
  return app;
});
