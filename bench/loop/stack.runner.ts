import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childProcessEnv } from '@switchyard/config';
import { stringify } from 'yaml';
import { freshBenchDatabase } from '../support/bench-database.js';

const APPS = ['gateway', 'worker', 'optimizer'] as const;

export interface StackOptions {
  /** The whole config file (`switchyard.yaml` shape). */
  config: Record<string, unknown>;
  pgAdminUrl: string;
  database: string;
  redisUrl: string;
  adminKey: string;
}

/** A free loopback port (the OS picks one; a race with another process is possible but harmless here). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/**
 * Gateway, worker and optimizer as the built processes `npm start` runs (dist/apps/<app>/src/main.js),
 * on a generated config file, a fresh Postgres database and a Redis key prefix of their own. Their
 * logs go to files in the run's folder, so stdout stays the bench's JSON report.
 */
export class ProcessStack {
  private readonly children = new Map<string, ChildProcess>();
  private stopping = false;

  private constructor(
    readonly baseUrl: string,
    readonly databaseUrl: string,
    readonly dir: string,
  ) {}

  static async start(o: StackOptions): Promise<ProcessStack> {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-loop-'));
    const configPath = join(dir, 'switchyard.yaml');
    writeFileSync(configPath, stringify(o.config));
    const databaseUrl = await freshBenchDatabase(o.pgAdminUrl, o.database);
    const port = await freePort();
    const stack = new ProcessStack(`http://127.0.0.1:${port}`, databaseUrl, dir);
    const env = childProcessEnv({
      NODE_ENV: 'production',
      PORT: String(port),
      SWITCHYARD_CONFIG: configPath,
      DATABASE_URL: databaseUrl,
      REDIS_URL: o.redisUrl,
      // A prefix of this run's own: queues, budgets and pub/sub never meet another run's.
      SWITCHYARD_REDIS_PREFIX: `sybench-loop-${process.pid}-${Date.now()}`,
      SWITCHYARD_ADMIN_KEY: o.adminKey,
    });
    const distApps = fileURLToPath(new URL('../../apps/', import.meta.url));
    for (const app of APPS) {
      const log = createWriteStream(join(dir, `${app}.log`));
      const child = spawn(process.execPath, ['--enable-source-maps', resolve(distApps, app, 'src/main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
      child.once('exit', (code, signal) => {
        if (!stack.stopping) process.stderr.write(`bench:loop: ${app} exited (${signal ?? `code ${code}`}); see ${join(dir, `${app}.log`)}\n`);
      });
      stack.children.set(app, child);
    }
    await stack.ready();
    return stack;
  }

  /** Exited apps, by name: a bench whose system died must not report figures. */
  dead(): string[] {
    return [...this.children].filter(([, c]) => c.exitCode !== null || c.signalCode !== null).map(([name]) => name);
  }

  private async ready(): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const dead = this.dead();
      if (dead.length) throw new Error(`${dead.join(', ')} exited at start; logs in ${this.dir}`);
      try {
        if ((await fetch(`${this.baseUrl}/readyz`)).ok) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`the gateway was not ready within 60 s; logs in ${this.dir}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}
