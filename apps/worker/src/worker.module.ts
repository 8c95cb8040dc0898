import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { type AppConfig, ConfigModule } from '@switchyard/config';
import { Redis } from 'ioredis';

/** Hosts the BullMQ processors (judge, golden, shadow, canary) as the evaluation issues add them. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig, redisUrl: string): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config), BullModule.forRoot({ connection: new Redis(redisUrl, { maxRetriesPerRequest: null }), prefix: config.redisPrefix })],
    };
  }
}
