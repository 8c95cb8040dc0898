import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { buildSpanRow } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from './database.client.js';
import { MIGRATIONS_FOLDER, migrateDatabase } from './database.migrator.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres.server.js';
import { SpanRepository } from './span.repository.js';

/** Every migration in the journal counts, so a new migration does not break this spec. */
const journalEntries = (): number => (JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;

describe('startEmbeddedPostgres', () => {
  let dataDir: string;
  let server: EmbeddedPostgres;
  let first: DatabaseHandle;
  let second: DatabaseHandle;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'switchyard-embedded-'));
    server = await startEmbeddedPostgres({ dataDir });
    first = createDatabase(server.url, { max: 5 });
    second = createDatabase(server.url, { max: 5 });
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await server?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('applies the migrations through the socket, from two processes racing at boot', async () => {
    await Promise.all([migrateDatabase(first.db), migrateDatabase(second.db)]);
    await migrateDatabase(first.db);
    const { rows } = await first.pool.query<{ count: number }>('select count(*)::int as count from drizzle.__drizzle_migrations');
    expect(rows[0]?.count).toBe(journalEntries());
  });

  it('serves inserts and selects from two pools at once', async () => {
    const repoA = new SpanRepository(first.db);
    const repoB = new SpanRepository(second.db);
    const rowsA = Array.from({ length: 200 }, () => buildSpanRow({ workload: 'a' }));
    const rowsB = Array.from({ length: 200 }, () => buildSpanRow({ workload: 'b' }));
    const inserted = await Promise.all([
      ...rowsA.map((row) => repoA.insertMany([row])),
      ...rowsB.map((row) => repoB.insertMany([row])),
    ]);
    expect(inserted.reduce((a, b) => a + b, 0)).toBe(400);

    const ids = [...rowsA, ...rowsB].map((row) => row.spanId);
    expect(await repoA.countByIds(ids)).toBe(400);
    const fromB = await repoB.findById(rowsA[0].spanId);
    expect(fromB?.workload).toBe('a');
    expect(fromB?.attempts).toEqual(rowsA[0].attempts);
  });

  it('keeps a transaction on its connection and rolls it back', async () => {
    const repo = new SpanRepository(second.db);
    const row = buildSpanRow();
    const client = await first.pool.connect();
    try {
      await client.query('begin');
      await client.query('insert into spans (span_id, trace_id, started_at, latency_ms, operation, workload, policy_version, strategy, requested_model, status, http_status, stream, redaction) values ($1, $2, now(), 1, $3, $4, $5, $6, $7, $8, 200, false, $9)', [
        row.spanId, row.traceId, 'chat', 'w', 'v1', 'static', 'm', 'ok', 'full',
      ]);
      const inside = await client.query<{ count: number }>('select count(*)::int as count from spans where span_id = $1', [row.spanId]);
      expect(inside.rows[0]?.count).toBe(1);
      // Issued while the transaction is open; the server runs it only after the rollback.
      const outside = repo.countByIds([row.spanId]);
      await client.query('rollback');
      expect(await outside).toBe(0);
    } finally {
      client.release();
    }
    expect(await repo.findById(row.spanId)).toBeUndefined();
  });

  it('hands a second start on the same dataDir the running server', async () => {
    const again = await startEmbeddedPostgres({ dataDir });
    expect(again).toMatchObject({ owner: false, url: server.url, port: server.port });
    await again.stop();
    await new SpanRepository(first.db).ping();
  });
});

describe('startEmbeddedPostgres on a dataDir left by a dead process', () => {
  it('takes over the stale lock and keeps the data', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'switchyard-embedded-'));
    try {
      const row = buildSpanRow();
      const original = await startEmbeddedPostgres({ dataDir });
      const db = createDatabase(original.url);
      await migrateDatabase(db.db);
      await new SpanRepository(db.db).insertMany([row]);
      await db.close();
      await original.stop();

      // A lock file naming a process that has exited, as a crash would leave it.
      const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
      await writeFile(join(dataDir, 'pg.lock'), JSON.stringify({ pid: deadPid, token: 'crashed', host: '127.0.0.1', port: original.port }));

      const restarted = await startEmbeddedPostgres({ dataDir });
      const db2 = createDatabase(restarted.url);
      try {
        expect(restarted.owner).toBe(true);
        expect((await new SpanRepository(db2.db).findById(row.spanId))?.spanId).toBe(row.spanId);
      } finally {
        await db2.close();
        await restarted.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('startEmbeddedPostgres on a dataDir another live process serves', () => {
  it('returns that process\'s url without opening the database', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'switchyard-embedded-'));
    // Stand-ins for the other process and its socket server.
    const owner = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    const listener = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    try {
      const address = listener.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      await writeFile(join(dataDir, 'pg.lock'), JSON.stringify({ pid: owner.pid, token: 'other', host: '127.0.0.1', port }));

      const reused = await startEmbeddedPostgres({ dataDir });
      expect(reused).toMatchObject({ owner: false, port, url: `postgres://postgres@127.0.0.1:${port}/postgres` });
      await reused.stop();
    } finally {
      owner.kill();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
