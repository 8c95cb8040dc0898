import 'reflect-metadata';
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Logger } from '@nestjs/common';
import { childProcessEnv, ConfigError, loadConfig } from '@switchyard/config';
import { startEmbeddedPostgres } from '@switchyard/db';
import { ensureRedis } from '@switchyard/queue';

const APPS = ['gateway', 'worker', 'optimizer'] as const;
const logger = new Logger('Launcher');

/**
 * `npm start`: one command for a newcomer. Owns the embedded Postgres (when DATABASE_URL is
 * unset) and a throwaway Redis (when REDIS_URL is unreachable), then runs the three apps as
 * separate processes against them, as they would run in production.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres({ dataDir: config.dataDir });
  if (embedded) logger.log(`embedded Postgres in ${config.dataDir} at ${embedded.url}`);
  const redis = await ensureRedis(config.redisUrl, (m) => logger.warn(m));
  // One admin key for all three: the worker calls the gateway with it (judge, golden and shadow calls).
  const env = childProcessEnv({ DATABASE_URL: config.databaseUrl ?? embedded!.url, REDIS_URL: redis.url, SWITCHYARD_ADMIN_KEY: config.admin.key });
  if (config.admin.generated) logger.warn(`SWITCHYARD_ADMIN_KEY is not set; this run's admin key is ${config.admin.key} (development only)`);

  const children = new Map<string, ChildProcess>();
  let stopping = false;
  const stopAll = async (code: number): Promise<never> => {
    stopping = true;
    await Promise.all(
      [...children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
          }),
      ),
    );
    await embedded?.stop();
    await redis.stop();
    process.exit(code);
  };

  for (const app of APPS) {
    const entry = fileURLToPath(new URL(`../../${app}/src/main.js`, import.meta.url));
    const child = spawn(process.execPath, ['--enable-source-maps', entry], { env, stdio: 'inherit' });
    children.set(app, child);
    child.once('exit', (code, signal) => {
      if (stopping) return;
      logger.error(`${app} exited (${signal ?? `code ${code}`}); stopping the others`);
      void stopAll(1);
    });
  }
  logger.log(`started ${APPS.join(', ')}; gateway on port ${config.port}`);
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));
}

main().catch((err: unknown) => {
  logger.error(err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
