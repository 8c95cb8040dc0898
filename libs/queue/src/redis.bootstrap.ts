import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export interface RedisEndpoint {
  url: string;
  /** Set when this process started a redis-server child for this run. */
  child?: ChildProcess;
  stop(): Promise<void>;
}

export class RedisUnavailableError extends Error {
  constructor(url: string) {
    super(
      `Redis is not reachable at ${url} and no redis-server binary is on the PATH.\n` +
        `  Install it: apt-get install redis-server   (or run: docker compose up -d redis)\n` +
        `  Or point REDIS_URL at a running Redis.`,
    );
    this.name = 'RedisUnavailableError';
  }
}

export async function pingRedis(url: string, timeoutMs = 1_500): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

const freeLoopbackPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });

const hasRedisServer = (): boolean => spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * Uses Redis at `url` when it answers; otherwise starts a throwaway redis-server on a free
 * loopback port for this run, so a newcomer needs no setup. Nothing is persisted to disk.
 */
export async function ensureRedis(url: string, log: (msg: string) => void = () => undefined): Promise<RedisEndpoint> {
  if (await pingRedis(url)) return { url, stop: () => Promise.resolve() };
  if (!hasRedisServer()) throw new RedisUnavailableError(url);
  const port = await freeLoopbackPort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const localUrl = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    if (await pingRedis(localUrl, 200)) {
      log(`Redis was not reachable at ${url}; started redis-server on ${localUrl} for this run`);
      return {
        url: localUrl,
        child,
        stop: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new RedisUnavailableError(url);
}
