import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('./switchyard-cli.mjs', import.meta.url));

const RUN = {
  id: 'gr_0001',
  status: 'running',
  progress: { done: 3, failed: 1, total: 10 },
  dataset: { name: 'arc-sample', version: 2 },
  scorer: { name: 'multiple_choice' },
  models: ['gpt-a', 'gpt-b'],
  createdAt: '2031-03-01T00:00:00.000Z',
  summary: null,
  error: null,
};

interface Seen {
  method: string;
  url: string;
  body: string;
  actor: string | undefined;
}

const bodyOf = async (req: IncomingMessage): Promise<string> => {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return body;
};

/** Runs the CLI against the stand-in admin API; resolves with its exit code and output, never rejects. */
const cli = (url: string, ...args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [CLI, ...args, '--url', url, '--admin-key', 'test-key', '--actor', 'carol'], { encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr });
    });
  });

/** What the stand-in answers to a canary schedule: the schedule as posted, with the contract's defaults filled in. */
const scheduledCanary = (diffId: string, body: string) => {
  const { schedule } = JSON.parse(body) as { schedule: Record<string, unknown> };
  return { diffId, startsAt: '2031-03-01T00:00:00.000Z', schedule: { steps: [0.05, 0.25, 0.5, 1], minSamplesPerStep: 200, tolerance: 0.02, allowPredictedDrop: true, ...schedule } };
};

let server: Server;
let url: string;
let seen: Seen[] = [];

beforeAll(async () => {
  // A stand-in for the gateway's admin API on loopback: records each call, answers with one golden run or a scheduled canary.
  server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body, actor: req.headers['x-switchyard-actor'] as string | undefined });
      const canary = req.method === 'POST' && /^\/admin\/policy-diffs\/([^/]+)\/canary$/.exec(req.url ?? '');
      if (canary) {
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(JSON.stringify(scheduledCanary(decodeURIComponent(canary[1]), body)));
        return;
      }
      const list = req.method === 'GET' && req.url?.startsWith('/admin/golden-runs?');
      res.writeHead(req.method === 'POST' && req.url === '/admin/golden-runs' ? 201 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(list ? { data: [RUN], hasMore: false } : RUN));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

beforeEach(() => {
  seen = [];
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('switchyard-cli runs (the golden commands by another name)', () => {
  it('lists the runs commands in the usage text', async () => {
    const { code, stdout } = await cli(url, 'runs', '--help');
    expect(code).toBe(0);
    for (const line of ['runs start --dataset <name> --models a,b', 'runs status <run id> [--wait]', 'runs list [--status STATUS]', 'runs cancel <run id>']) {
      expect(stdout).toContain(`switchyard-cli ${line}`);
    }
    expect(seen).toEqual([]);
  });

  it('prints the usage to stdout and succeeds when help is asked for, however it is asked', async () => {
    const answers = await Promise.all([cli(url, '--help'), cli(url, '-h'), cli(url, 'help'), cli(url, 'canary', 'abort', '-h')]);
    for (const answer of answers) {
      expect(answer).toMatchObject({ code: 0, stderr: '' });
      expect(answer.stdout).toMatch(/^usage:\n/);
      expect(answer.stdout).toContain('switchyard-cli canary abort <diff id> --comment TEXT');
    }
    expect(seen).toEqual([]);
  });

  it('prints the usage to stderr and fails on a command it does not know', async () => {
    for (const args of [['frobnicate'], ['runs', 'frobnicate'], []]) {
      const { code, stdout, stderr } = await cli(url, ...args);
      expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
      expect(stderr).toMatch(/^usage:\n/);
    }
    expect(seen).toEqual([]);
  });

  it('prints a one-line error and the usage to stderr, without a stack, on an option it does not know', async () => {
    for (const [args, error] of [
      [['canary', 'schedule', 'pd_1', '--bogus'], "Unknown option '--bogus'\n"],
      [['golden', 'start', '--wait=yes'], "Option '--wait' does not take an argument\n"],
      // The next argument is the helper's own --url: Node says so, in three lines.
      [['diffs', 'list', '--limit'], "Option '--limit' argument is ambiguous.\nDid you forget to specify the option argument for '--limit'?\n"],
    ] as const) {
      const { code, stdout, stderr } = await cli(url, ...args);
      expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
      expect(stderr.startsWith(error), stderr).toBe(true);
      expect(stderr).toContain('\nusage:\n  switchyard-cli datasets upload');
      expect(stderr).not.toContain('ERR_PARSE_ARGS');
      expect(stderr).not.toMatch(/^\s+at /m);
    }
    expect(seen).toEqual([]);
  });

  it('runs start posts a golden run, as golden start does', async () => {
    const { code, stdout } = await cli(url, 'runs', 'start', '--dataset', 'arc-sample', '--models', 'gpt-a, gpt-b', '--scorer', 'multiple_choice');
    expect(code).toBe(0);
    expect(stdout).toBe('started gr_0001: 10 calls (2 model(s)) on arc-sample v2, scorer multiple_choice\n');
    expect(seen).toEqual([
      { method: 'POST', url: '/admin/golden-runs', body: JSON.stringify({ dataset: 'arc-sample', models: ['gpt-a', 'gpt-b'], scorer: { name: 'multiple_choice', options: {} } }), actor: 'carol' },
    ]);
  });

  it('runs status shows a run exactly as golden show does', async () => {
    const status = await cli(url, 'runs', 'status', 'gr_0001');
    const show = await cli(url, 'golden', 'show', 'gr_0001');
    expect(status).toEqual({ code: 0, stdout: 'gr_0001 running: 4/10 (3 scored, 1 failed) on arc-sample v2, scorer multiple_choice\n', stderr: '' });
    expect(show).toEqual(status);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /admin/golden-runs/gr_0001', 'GET /admin/golden-runs/gr_0001']);
  });

  it('runs list and runs cancel call the same endpoints as golden list and golden cancel', async () => {
    const list = await cli(url, 'runs', 'list', '--status', 'running');
    expect(list.stdout).toBe('gr_0001\trunning\t4/10\tarc-sample v2\tgpt-a,gpt-b\t2031-03-01T00:00:00.000Z\n');
    expect((await cli(url, 'runs', 'cancel', 'gr_0001')).code).toBe(0);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /admin/golden-runs?limit=50&status=running', 'POST /admin/golden-runs/gr_0001/cancel']);
  });

  it('optimizer refit asks the gateway for an on-demand refit', async () => {
    const { code, stdout } = await cli(url, 'optimizer', 'refit');
    expect(code).toBe(0);
    expect(stdout).toContain('refit requested');
    expect(seen.map((x) => `${x.method} ${x.url} ${x.actor ?? ''}`)).toEqual(['POST /admin/optimizer/refit carol']);
  });

  it('names the command the user typed when an argument is missing', async () => {
    expect(await cli(url, 'runs', 'status')).toMatchObject({ code: 1, stderr: 'runs status needs a run id\n' });
    expect(await cli(url, 'runs', 'start', '--models', 'a')).toMatchObject({ code: 1, stderr: 'runs start needs --dataset\n' });
    expect(await cli(url, 'golden', 'cancel')).toMatchObject({ code: 1, stderr: 'golden cancel needs a run id\n' });
    expect(seen).toEqual([]);
  });
});

describe('switchyard-cli canary schedule', () => {
  it('leaves the predicted drop to the gateway default, and --strict turns it off', async () => {
    const lenient = await cli(url, 'canary', 'schedule', 'pd_1', '--steps', '0.5,1', '--tolerance', '0.01');
    expect(lenient).toEqual({ code: 0, stdout: 'canary of pd_1 starts 2031-03-01T00:00:00.000Z: steps 50% → 100%, 200 judged calls per arm and step, tolerance 0.01\n', stderr: '' });
    const strict = await cli(url, 'canary', 'schedule', 'pd_1', '--steps', '0.5,1', '--tolerance', '0.01', '--strict');
    expect(strict).toMatchObject({ code: 0, stderr: '' });
    expect(strict.stdout).toContain('tolerance 0.01 (strict: not widened by the predicted drop)');
    expect(seen.map((s) => [`${s.method} ${s.url}`, JSON.parse(s.body) as unknown])).toEqual([
      ['POST /admin/policy-diffs/pd_1/canary', { schedule: { steps: [0.5, 1], tolerance: 0.01 } }],
      ['POST /admin/policy-diffs/pd_1/canary', { schedule: { steps: [0.5, 1], tolerance: 0.01, allowPredictedDrop: false } }],
    ]);
  });

  it('lists --strict in the usage text', async () => {
    const { stdout } = await cli(url, '--help');
    expect(stdout).toContain('switchyard-cli canary schedule <diff id> [--steps 0.05,0.25,0.5,1] [--start ISO-TIME] [--dwell-minutes N] [--min-samples N] [--tolerance X] [--strict]');
  });
});
