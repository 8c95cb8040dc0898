#!/usr/bin/env node
// Switchyard admin CLI: talks to a running gateway's admin API.
//
//   npm run cli -- datasets upload <file> --name <name> [--scorer exact] [--description TEXT] [--format jsonl|csv|json]
//   npm run cli -- datasets list
//   npm run cli -- datasets show <name> [--version N] [--items N]
//   npm run cli -- golden start --dataset <name> --models a,b [--version N] [--scorer NAME|JSON] [--workload-scorer WORKLOAD=NAME|JSON]... [--wait]
//   npm run cli -- golden list [--status queued|running|completed|cancelled|failed]
//   npm run cli -- golden show <run id> [--wait]
//   npm run cli -- golden cancel <run id>
//   npm run cli -- runs start|status|list|cancel …   (the golden commands by another name; status = show)
//   npm run cli -- diffs list [--status STATUS] [--workload NAME] [--limit N]
//   npm run cli -- diffs show <diff id>
//   npm run cli -- diffs approve <diff id> [--comment TEXT]
//   npm run cli -- diffs reject <diff id> --comment TEXT
//   npm run cli -- canary schedule <diff id> [--steps 0.05,0.25,0.5,1] [--start ISO-TIME] [--dwell-minutes N] [--min-samples N] [--tolerance X] [--strict]
//   npm run cli -- canary status <diff id>
//   npm run cli -- canary abort <diff id> --comment TEXT
//   npm run cli -- optimizer refit
//
// --strict: the canary's quality margin is --tolerance alone. By default it also allows the drop the
// approved diff predicted at worst, which the reviewer already accepted.
//
// Installed as the `switchyard` bin too. Every command takes --url (else SWITCHYARD_URL, else
// http://localhost:8080), --admin-key (else SWITCHYARD_ADMIN_KEY) and --actor (else SWITCHYARD_ACTOR,
// else the OS user name), recorded as who did it.
// Plain JavaScript because Node 20 cannot run TypeScript without a build step.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = `usage:
  switchyard-cli datasets upload <file> --name <name> [--scorer NAME|JSON] [--description TEXT] [--format jsonl|csv|json]
  switchyard-cli datasets list
  switchyard-cli datasets show <name> [--version N] [--items N]
  switchyard-cli golden start --dataset <name> --models a,b [--version N] [--scorer NAME|JSON] [--workload-scorer WORKLOAD=NAME|JSON]... [--wait]
  switchyard-cli golden list [--status STATUS]
  switchyard-cli golden show <run id> [--wait]
  switchyard-cli golden cancel <run id>
  switchyard-cli runs start --dataset <name> --models a,b [...]   same as golden start
  switchyard-cli runs status <run id> [--wait]                    same as golden show
  switchyard-cli runs list [--status STATUS]                      same as golden list
  switchyard-cli runs cancel <run id>                             same as golden cancel
  switchyard-cli diffs list [--status STATUS] [--workload NAME] [--limit N]
  switchyard-cli diffs show <diff id>
  switchyard-cli diffs approve <diff id> [--comment TEXT]
  switchyard-cli diffs reject <diff id> --comment TEXT
  switchyard-cli canary schedule <diff id> [--steps 0.05,0.25,0.5,1] [--start ISO-TIME] [--dwell-minutes N] [--min-samples N] [--tolerance X] [--strict]
      --strict: the quality margin is the tolerance alone, not widened by the drop the approved diff predicted
  switchyard-cli canary status <diff id>
  switchyard-cli canary abort <diff id> --comment TEXT
  switchyard-cli optimizer refit                                  refit now (and propose), not at the next scheduled refit
options for every command:
  --url URL      default: $SWITCHYARD_URL, else http://localhost:8080
  --admin-key K  default: $SWITCHYARD_ADMIN_KEY
  --actor NAME   who did it, for the audit log; default: $SWITCHYARD_ACTOR, else your user name
  -h, --help     print this usage (as does \`switchyard-cli help\`)`;

const CONTENT_TYPES = { jsonl: 'application/x-ndjson', csv: 'text/csv', json: 'application/json' };
const FORMAT_BY_EXTENSION = { '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.csv': 'csv', '.json': 'json' };

class CliError extends Error {}

function parse(argv) {
  try {
    return parseOrThrow(argv);
  } catch (error) {
    // A mistyped option is the user's error, not ours: say which, with the usage, and no stack.
    // Of an unknown option's message only the first sentence: the rest is advice on `--` and positionals.
    if (String(error.code).startsWith('ERR_PARSE_ARGS_')) {
      const message = error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? error.message.split('. ')[0] : error.message;
      throw new CliError(`${message}\n${USAGE}`);
    }
    throw error;
  }
}

function parseOrThrow(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string', default: process.env.SWITCHYARD_URL || 'http://localhost:8080' },
      'admin-key': { type: 'string', default: process.env.SWITCHYARD_ADMIN_KEY || undefined },
      actor: { type: 'string', default: process.env.SWITCHYARD_ACTOR || defaultActor() },
      workload: { type: 'string' },
      limit: { type: 'string' },
      comment: { type: 'string' },
      name: { type: 'string' },
      scorer: { type: 'string' },
      description: { type: 'string' },
      format: { type: 'string' },
      version: { type: 'string' },
      items: { type: 'string' },
      dataset: { type: 'string' },
      models: { type: 'string' },
      'workload-scorer': { type: 'string', multiple: true },
      status: { type: 'string' },
      wait: { type: 'boolean' },
      steps: { type: 'string' },
      start: { type: 'string' },
      'dwell-minutes': { type: 'string' },
      'min-samples': { type: 'string' },
      tolerance: { type: 'string' },
      strict: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  return { options: values, positionals };
}

function defaultActor() {
  try {
    return userInfo().username || 'switchyard-cli';
  } catch {
    return 'switchyard-cli';
  }
}

async function call(options, method, path, body, contentType) {
  if (!options['admin-key']) throw new CliError('--admin-key or SWITCHYARD_ADMIN_KEY is required (the gateway prints its dev key at start)');
  const url = new URL(path, options.url.endsWith('/') ? options.url : `${options.url}/`);
  let res;
  try {
    res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${options['admin-key']}`, 'x-switchyard-actor': options.actor, ...(contentType && { 'content-type': contentType }) },
      body,
    });
  } catch (error) {
    throw new CliError(`cannot reach ${url.origin}: ${error.cause?.message ?? error.message}`);
  }
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`HTTP ${res.status}: ${text.slice(0, 500)}`);
  }
  if (!res.ok) {
    const error = json.error ?? {};
    const lines = [`HTTP ${res.status} ${error.code ?? ''}: ${error.message ?? text}`];
    for (const issue of error.issues ?? []) lines.push(`  line ${issue.line}: ${issue.reason}`);
    if (error.issue_count > (error.issues?.length ?? 0)) lines.push(`  … ${error.issue_count - error.issues.length} more`);
    throw new CliError(lines.join('\n'));
  }
  return { status: res.status, json };
}

const describeVersion = (v) => `${v.dataset} v${v.version}: ${v.itemCount} items, scorer ${v.scorer ? v.scorer.name : '(none)'}, by ${v.createdBy} at ${v.createdAt}, sha256 ${v.contentHash.slice(0, 12)}…`;

async function upload(options, file) {
  if (!file) throw new CliError('datasets upload needs a file');
  if (!options.name) throw new CliError('datasets upload needs --name');
  const format = options.format ?? FORMAT_BY_EXTENSION[extname(file).toLowerCase()];
  if (!CONTENT_TYPES[format]) throw new CliError(`cannot tell the format of ${basename(file)}: pass --format jsonl|csv|json`);
  const query = new URLSearchParams({ format });
  if (options.scorer) query.set('scorer', options.scorer);
  if (options.description) query.set('description', options.description);
  const { json } = await call(options, 'POST', `admin/datasets/${encodeURIComponent(options.name)}/versions?${query}`, readFileSync(file), CONTENT_TYPES[format]);
  console.log(`${json.created ? 'created' : 'unchanged, same items as'} ${describeVersion(json)}`);
}

async function list(options) {
  const { json } = await call(options, 'GET', 'admin/datasets');
  if (json.data.length === 0) console.log('no datasets');
  for (const d of json.data) console.log(`${d.name}\tlatest v${d.latestVersion ?? '-'}\t${d.versionCount} version(s)\t${d.description ?? ''}`);
}

async function show(options, name) {
  if (!name) throw new CliError('datasets show needs a dataset name');
  const version = options.version ?? 'latest';
  const base = `admin/datasets/${encodeURIComponent(name)}/versions`;
  if (options.version === undefined) {
    const { json } = await call(options, 'GET', base);
    for (const v of json.data) console.log(describeVersion(v));
  } else {
    const { json } = await call(options, 'GET', `${base}/${encodeURIComponent(version)}`);
    console.log(describeVersion(json));
  }
  if (options.items !== undefined) {
    const { json } = await call(options, 'GET', `${base}/${encodeURIComponent(version)}/items?limit=${encodeURIComponent(options.items)}`);
    for (const item of json.data) console.log(JSON.stringify({ input: item.input, expected: item.expected, workload: item.workload, metadata: item.metadata }));
    if (json.hasMore) console.log(`… ${json.total - json.data.length} more`);
  }
}

/** A scorer as the API takes it: a bare name, or the JSON of `{ name, options }`. */
function scorerArg(value, flag) {
  if (!value.trimStart().startsWith('{')) return { name: value, options: {} };
  try {
    return JSON.parse(value);
  } catch {
    throw new CliError(`${flag}: neither a scorer name nor valid JSON`);
  }
}

const num = (x, digits = 3) => (x === null || x === undefined ? '-' : x.toFixed(digits));

function describeRun(run) {
  const { done, failed, total } = run.progress;
  const lines = [`${run.id} ${run.status}: ${done + failed}/${total} (${done} scored, ${failed} failed) on ${run.dataset.name} v${run.dataset.version}, scorer ${run.scorer.name}${run.error ? ` — ${run.error}` : ''}`];
  if (run.summary) {
    lines.push('model\tn\tmean\t95% interval\tfailed\tcalls\tcost USD\tp50 ms\tp95 ms');
    for (const m of run.summary) {
      const interval = m.low === null ? '-' : `[${num(m.low)}, ${num(m.high)}] ${m.method}`;
      lines.push(`${m.model}\t${m.n}\t${num(m.mean)}\t${interval}\t${m.failed}\t${m.calls}\t${num(m.costUsd, 6)}\t${num(m.latencyMs.p50, 0)}\t${num(m.latencyMs.p95, 0)}`);
    }
  }
  return lines.join('\n');
}

const ENDED = new Set(['completed', 'cancelled', 'failed']);

/** Polls until the run ends, printing progress when it moves; prints the final summary. */
async function watch(options, run) {
  let last = '';
  while (!ENDED.has(run.status)) {
    const line = `${run.id} ${run.status}: ${run.progress.done + run.progress.failed}/${run.progress.total}`;
    if (line !== last) console.log(line);
    last = line;
    await new Promise((resolve) => setTimeout(resolve, 500));
    run = (await call(options, 'GET', `admin/golden-runs/${encodeURIComponent(run.id)}`)).json;
  }
  console.log(describeRun(run));
  if (run.status !== 'completed') process.exitCode = 1;
}

async function goldenStart(options, _arg, name) {
  if (!options.dataset) throw new CliError(`${name} needs --dataset`);
  if (!options.models) throw new CliError(`${name} needs --models a,b,…`);
  const body = { dataset: options.dataset, models: options.models.split(',').map((m) => m.trim()).filter(Boolean) };
  if (options.version !== undefined) body.version = Number(options.version);
  if (options.scorer) body.scorer = scorerArg(options.scorer, '--scorer');
  for (const pair of options['workload-scorer'] ?? []) {
    const at = pair.indexOf('=');
    if (at < 1) throw new CliError(`--workload-scorer ${pair}: use WORKLOAD=NAME or WORKLOAD={"name":…}`);
    body.workloadScorers = { ...body.workloadScorers, [pair.slice(0, at)]: scorerArg(pair.slice(at + 1), '--workload-scorer') };
  }
  const { json } = await call(options, 'POST', 'admin/golden-runs', JSON.stringify(body), 'application/json');
  console.log(`started ${json.id}: ${json.progress.total} calls (${body.models.length} model(s)) on ${json.dataset.name} v${json.dataset.version}, scorer ${json.scorer.name}`);
  if (options.wait) await watch(options, json);
}

async function goldenList(options) {
  const query = new URLSearchParams({ limit: '50' });
  if (options.status) query.set('status', options.status);
  const { json } = await call(options, 'GET', `admin/golden-runs?${query}`);
  if (json.data.length === 0) console.log('no golden runs');
  for (const r of json.data) console.log(`${r.id}\t${r.status}\t${r.progress.done + r.progress.failed}/${r.progress.total}\t${r.dataset.name} v${r.dataset.version}\t${r.models.join(',')}\t${r.createdAt}`);
}

async function goldenShow(options, id, name) {
  if (!id) throw new CliError(`${name} needs a run id`);
  const { json } = await call(options, 'GET', `admin/golden-runs/${encodeURIComponent(id)}`);
  if (options.wait) return watch(options, json);
  console.log(describeRun(json));
}

async function goldenCancel(options, id, name) {
  if (!id) throw new CliError(`${name} needs a run id`);
  const { json } = await call(options, 'POST', `admin/golden-runs/${encodeURIComponent(id)}/cancel`);
  console.log(describeRun(json));
}

const pct = (x, digits = 1) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(digits)}%`;
const usd = (x) => `${x >= 0 ? '+' : '−'}$${Math.abs(x).toFixed(x !== 0 && Math.abs(x) < 0.01 ? 6 : 2)}`;

function describeDeltas(d) {
  const parts = [
    `quality ${pct(d.quality.delta)} [${pct(d.quality.low)}, ${pct(d.quality.high)}]`,
    `cost/request ${usd(d.costPerRequest.delta)} (${pct(d.costPerRequest.relative, 0)}) [${usd(d.costPerRequest.low)}, ${usd(d.costPerRequest.high)}]`,
  ];
  if (d.latencyP95Ms) parts.push(`latency p95 ${d.latencyP95Ms.delta >= 0 ? '+' : '−'}${Math.abs(Math.round(d.latencyP95Ms.delta))} ms`);
  if (d.monthlyUsd !== undefined) parts.push(`${usd(d.monthlyUsd)}/month`);
  return parts.join(', ');
}

function describeDiff(diff) {
  const lines = [
    `${diff.id} ${diff.status} (${diff.reason}) in ${diff.environment}, against ${diff.parentVersionId}, by ${diff.createdBy} at ${diff.createdAt}`,
    `  ${diff.summary}`,
    `  workloads: ${diff.workloads.join(', ')}`,
    `  predicted: ${describeDeltas(diff.predicted)}`,
    `  measured:  ${diff.measured ? describeDeltas(diff.measured) : '-'}`,
    '  evidence (judge/golden/shadow/feedback samples per model):',
  ];
  for (const [model, n] of Object.entries(diff.evidence.samplesPerModel)) lines.push(`    ${model}\t${n.judge}/${n.golden}/${n.shadow}/${n.feedback}`);
  const mix = Object.entries(diff.evidence.scorerMix).map(([scorer, n]) => `${scorer} ${n}`);
  if (mix.length) lines.push(`  scorers: ${mix.join(', ')}`);
  if (diff.evidence.exampleSpanIds.length) lines.push(`  example spans: ${diff.evidence.exampleSpanIds.join(' ')}`);
  lines.push('  patch:');
  for (const op of diff.patch) lines.push(`    ${JSON.stringify(op)}`);
  if (diff.events) {
    lines.push('  events:');
    for (const e of diff.events) lines.push(`    ${e.at} ${e.action} by ${e.actor}${e.comment ? `: ${e.comment}` : ''}`);
  }
  return lines.join('\n');
}

async function diffsList(options) {
  const query = new URLSearchParams({ limit: options.limit ?? '50' });
  if (options.status) query.set('status', options.status);
  if (options.workload) query.set('workload', options.workload);
  const { json } = await call(options, 'GET', `admin/policy-diffs?${query}`);
  if (json.data.length === 0) console.log('no policy diffs');
  for (const d of json.data) console.log(`${d.id}\t${d.status}\t${d.workloads.join(',')}\t${d.createdAt}\t${d.summary}`);
  if (json.hasMore) console.log(`… more; raise --limit or narrow with --status / --workload`);
}

async function diffsShow(options, id) {
  if (!id) throw new CliError('diffs show needs a diff id');
  const { json } = await call(options, 'GET', `admin/policy-diffs/${encodeURIComponent(id)}`);
  console.log(describeDiff(json));
}

async function diffsApprove(options, id) {
  if (!id) throw new CliError('diffs approve needs a diff id');
  const body = options.comment ? { comment: options.comment } : {};
  const { json } = await call(options, 'POST', `admin/policy-diffs/${encodeURIComponent(id)}/approve`, JSON.stringify(body), 'application/json');
  console.log(`approved ${json.id} as ${options.actor}: ${json.summary}`);
}

async function diffsReject(options, id) {
  if (!id) throw new CliError('diffs reject needs a diff id');
  if (!options.comment) throw new CliError('diffs reject needs --comment: say why, so the next proposal can take it into account');
  const { json } = await call(options, 'POST', `admin/policy-diffs/${encodeURIComponent(id)}/reject`, JSON.stringify({ comment: options.comment }), 'application/json');
  console.log(`rejected ${json.id} as ${options.actor}: ${json.summary}`);
}

async function canarySchedule(options, id) {
  if (!id) throw new CliError('canary schedule needs a diff id');
  const schedule = {};
  if (options.steps) schedule.steps = options.steps.split(',').map(Number);
  if (options.start) schedule.startAt = new Date(options.start).toISOString();
  if (options['dwell-minutes']) schedule.minDwellMs = Math.round(Number(options['dwell-minutes']) * 60_000);
  if (options['min-samples']) schedule.minSamplesPerStep = Number(options['min-samples']);
  if (options.tolerance) schedule.tolerance = Number(options.tolerance);
  if (options.strict) schedule.allowPredictedDrop = false;
  const { json } = await call(options, 'POST', `admin/policy-diffs/${encodeURIComponent(id)}/canary`, JSON.stringify({ schedule }), 'application/json');
  const strict = json.schedule.allowPredictedDrop === false ? ' (strict: not widened by the predicted drop)' : '';
  console.log(
    `canary of ${json.diffId} starts ${json.startsAt}: steps ${json.schedule.steps.map((x) => `${x * 100}%`).join(' → ')}, ${json.schedule.minSamplesPerStep} judged calls per arm and step, tolerance ${json.schedule.tolerance}${strict}`,
  );
}

async function canaryStatus(options, id) {
  if (!id) throw new CliError('canary status needs a diff id');
  const { json } = await call(options, 'GET', `admin/policy-diffs/${encodeURIComponent(id)}/canary`);
  console.log(`${json.diffId}: ${json.status}${json.share === null ? '' : `, ${json.share * 100}% of callers on the proposed policy`}`);
  for (const s of json.steps) console.log(`  ${s.at}  ${s.action}  by ${s.actor}${s.comment ? `: ${s.comment}` : ''}`);
  if (json.measured) console.log(`  measured: ${JSON.stringify(json.measured)}`);
}

async function canaryAbort(options, id) {
  if (!id) throw new CliError('canary abort needs a diff id');
  if (!options.comment) throw new CliError('canary abort needs --comment: say why the rollout is stopped');
  const { json } = await call(options, 'POST', `admin/policy-diffs/${encodeURIComponent(id)}/canary/abort`, JSON.stringify({ comment: options.comment }), 'application/json');
  console.log(`aborted the canary of ${json.diffId}; ${json.activeVersionId} is active again`);
}

async function optimizerRefit(options) {
  await call(options, 'POST', 'admin/optimizer/refit');
  console.log('refit requested: the optimizer refits now and then proposes; see switchyard-cli diffs list');
}

const COMMANDS = {
  datasets: { upload, list, show },
  golden: { start: goldenStart, list: goldenList, show: goldenShow, cancel: goldenCancel },
  // What the golden-run issue calls them: `switchyard runs start|status`.
  runs: { start: goldenStart, status: goldenShow, list: goldenList, cancel: goldenCancel },
  diffs: { list: diffsList, show: diffsShow, approve: diffsApprove, reject: diffsReject },
  canary: { schedule: canarySchedule, status: canaryStatus, abort: canaryAbort },
  optimizer: { refit: optimizerRefit },
};

async function main() {
  const { options, positionals } = parse(process.argv.slice(2));
  const [group, command, arg] = positionals;
  // Asked-for help is an answer, not an error: stdout and exit 0, so `switchyard-cli --help | less` works.
  if (options.help || group === 'help') {
    console.log(USAGE);
    return;
  }
  const run = Object.hasOwn(COMMANDS, group ?? '') && Object.hasOwn(COMMANDS[group], command ?? '') ? COMMANDS[group][command] : undefined;
  if (!run) throw new CliError(USAGE);
  return run(options, arg, `${group} ${command}`);
}

main().catch((error) => {
  console.error(error instanceof CliError ? error.message : (error.stack ?? String(error)));
  process.exitCode = 1;
});
