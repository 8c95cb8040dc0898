import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgresOptions {
  /** The database lives in `<dataDir>/pg`; `<dataDir>/pg.lock` records which process serves it. */
  dataDir: string;
  /** Loopback only: the socket server has no authentication. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  maxConnections?: number;
  /** How long to wait for another process that is still starting the same database. */
  startTimeoutMs?: number;
}

export interface EmbeddedPostgres {
  /** `postgres://` url for plain `pg`. */
  url: string;
  port: number;
  /** False when another live process already served this dataDir and we reuse its url. */
  owner: boolean;
  /** Owner: stops serving and closes the database. Otherwise a no-op: the owner's server stays up. */
  stop(): Promise<void>;
}

interface LockInfo {
  pid: number;
  /** Distinguishes two owners that share a pid across restarts (pid 1 in a container). */
  token: string;
  host?: string;
  port?: number;
}

/** Tokens of the locks this process holds, to tell them from a file an earlier run with our pid left. */
const ownedHere = new Set<string>();

/**
 * Serves a PGlite database (Postgres compiled to WASM, persisted under `dataDir`) on a loopback
 * TCP port, so a deployment without Postgres still has one.
 *
 * Design: PGlite is single-process, so exactly one process owns the database and serves it with
 * `PGLiteSocketServer`; every app, the owner included, connects with plain `pg` to the returned
 * url. One driver path and one set of migrations then serve both embedded and external Postgres.
 * The socket server queues queries from all connections onto PGlite's single backend and keeps an
 * open transaction's queries on the connection that began it.
 *
 * A second start on the same dataDir while a live process serves it returns that server's url
 * (`owner: false`); a lock left by a dead process is taken over.
 *
 * Because all connections share one backend session, session state (advisory locks, `SET`,
 * temp tables) is shared between them too.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const host = options.host ?? '127.0.0.1';
  await mkdir(options.dataDir, { recursive: true });
  const lockPath = join(options.dataDir, 'pg.lock');
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);

  for (;;) {
    const token = randomUUID();
    if (await createExclusive(lockPath, { pid: process.pid, token })) {
      return serve(options, host, lockPath, token);
    }
    const info = await readLock(lockPath);
    if (info === 'missing') continue;
    if (info !== 'corrupt' && isAlive(info)) {
      if (info.port !== undefined && (await canConnect(info.host ?? host, info.port))) {
        const url = postgresUrl(info.host ?? host, info.port);
        return { url, port: info.port, owner: false, stop: async () => {} };
      }
      // A live owner without a reachable port is still starting (initdb takes seconds); wait for it.
      if (info.port === undefined) {
        if (Date.now() > deadline) {
          throw new Error(`embedded Postgres: process ${info.pid} holds ${lockPath} but has not started serving; stop it or delete the file`);
        }
        await sleep(100);
        continue;
      }
    }
    // Dead owner, a recycled pid with nothing listening, or an unreadable file.
    await takeOver(lockPath, info);
  }
}

async function serve(options: EmbeddedPostgresOptions, host: string, lockPath: string, token: string): Promise<EmbeddedPostgres> {
  ownedHere.add(token);
  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  const shutDown = async (): Promise<void> => {
    await releaseLock(lockPath, token);
    await server?.stop();
    await db?.close();
  };
  try {
    db = await PGlite.create({ dataDir: join(options.dataDir, 'pg') });
    server = new PGLiteSocketServer({ db, host, port: options.port ?? 0, maxConnections: options.maxConnections ?? 100 });
    await server.start();
    const port = Number(server.getServerConn().split(':').pop());
    // Only now does the lock carry a port, which is what tells other processes the server is up.
    await replaceLock(lockPath, { pid: process.pid, token, host, port });
    let stopping: Promise<void> | undefined;
    return { url: postgresUrl(host, port), port, owner: true, stop: () => (stopping ??= shutDown()) };
  } catch (error) {
    await shutDown();
    throw error;
  }
}

const postgresUrl = (host: string, port: number): string => `postgres://postgres@${host}:${port}/postgres`;

function isAlive(info: LockInfo): boolean {
  // Our own pid only counts if this process really holds the lock (not a file left by an earlier run).
  if (info.pid === process.pid) return ownedHere.has(info.token);
  try {
    process.kill(info.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Writes a temp file then hard-links it into place: the lock appears atomically, content included. */
async function createExclusive(lockPath: string, info: LockInfo): Promise<boolean> {
  const tmp = `${lockPath}.${info.token}.tmp`;
  await writeFile(tmp, JSON.stringify(info));
  try {
    await link(tmp, lockPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

async function replaceLock(lockPath: string, info: LockInfo): Promise<void> {
  const tmp = `${lockPath}.${info.token}.tmp`;
  await writeFile(tmp, JSON.stringify(info));
  await rename(tmp, lockPath);
}

async function readLock(lockPath: string): Promise<LockInfo | 'missing' | 'corrupt'> {
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockInfo>;
    if (typeof parsed.pid !== 'number' || typeof parsed.token !== 'string') return 'corrupt';
    return {
      pid: parsed.pid,
      token: parsed.token,
      host: typeof parsed.host === 'string' ? parsed.host : undefined,
      port: typeof parsed.port === 'number' ? parsed.port : undefined,
    };
  } catch {
    return 'corrupt';
  }
}

/**
 * Moves a stale lock aside. Two processes may judge the same lock stale at once; the rename lets
 * only one of them move it, and if what we moved turns out to be a fresh lock (another process
 * replaced the stale one in between) it is put back.
 */
async function takeOver(lockPath: string, stale: LockInfo | 'corrupt'): Promise<void> {
  const aside = `${lockPath}.${randomUUID()}.stale`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readLock(aside);
  const sameAsStale = moved === 'corrupt' ? stale === 'corrupt' : moved !== 'missing' && stale !== 'corrupt' && moved.token === stale.token;
  if (!sameAsStale) await link(aside, lockPath).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

async function releaseLock(lockPath: string, token: string): Promise<void> {
  ownedHere.delete(token);
  const info = await readLock(lockPath);
  if (info !== 'missing' && info !== 'corrupt' && info.token === token) await unlink(lockPath).catch(() => undefined);
}
