import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { type AppConfig, ConfigError, loadConfig } from '@switchyard/config';
import { type DatabaseHandle, openDatabase } from '@switchyard/db';
import { ensureRedis } from '@switchyard/queue';
import { startTelemetry } from '@switchyard/telemetry';

export interface ProcessInfra {
  database: DatabaseHandle;
  /** Redis at REDIS_URL, or a redis-server started for this run when that was unreachable. */
  redisUrl: string;
}

export interface RunningApp {
  close(): Promise<void>;
}

/**
 * The boot sequence every Switchyard app shares: config (once), telemetry, database (migrated),
 * Redis, then the app; and the reverse on SIGTERM/SIGINT. Any boot error exits 1 with a readable line.
 */
export function runProcess(name: string, start: (config: AppConfig, infra: ProcessInfra) => Promise<RunningApp>): void {
  const logger = new Logger(name);
  const boot = async (): Promise<void> => {
    const config = loadConfig();
    const telemetry = startTelemetry({ serviceName: config.serviceName ?? `switchyard-${name}`, otlpEndpoint: config.otlpEndpoint });
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, applicationName: `switchyard-${name}`, log: (m) => logger.log(m) });
    const redis = await ensureRedis(config.redisUrl, (m) => logger.warn(m));
    const app = await start(config, { database: database.handle, redisUrl: redis.url });

    let stopping = false;
    const stop = async (signal: string): Promise<void> => {
      if (stopping) return;
      stopping = true;
      logger.log(`${signal}: shutting down`);
      await app.close();
      await database.close();
      await redis.stop();
      await telemetry.shutdown();
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  };
  boot().catch((err: unknown) => {
    logger.error(err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  });
}
