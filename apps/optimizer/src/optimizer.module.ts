import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { type AppConfig, ConfigModule } from '@switchyard/config';
import { Redis } from 'ioredis';

/** Hosts model fitting and policy-diff proposals as the optimizer issue adds them. */
@Module({})
export class OptimizerModule {
  static forRoot(config: AppConfig, redisUrl: string): DynamicModule {
    return {
      module: OptimizerModule,
      imports: [ConfigModule.forRoot(config), BullModule.forRoot({ connection: new Redis(redisUrl, { maxRetriesPerRequest: null }), prefix: config.redisPrefix })],
    };
  }
}
