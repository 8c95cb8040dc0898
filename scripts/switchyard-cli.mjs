#!/usr/bin/env node
// Switchyard admin CLI: talks to a running gateway's admin API.
//
//   npm run cli -- datasets upload <file> --name <name> [--scorer exact] [--description TEXT] [--format jsonl|csv|json]
//   npm run cli -- datasets list
//   npm run cli -- datasets show <name> [--version N] [--items N]
//
// Every command takes --url (default http://localhost:8080) and --admin-key (e.g. --admin-key "$SWITCHYARD_ADMIN_KEY").
// Plain JavaScript because Node 20 cannot run TypeScript without a build step.
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = `usage:
  switchyard-cli datasets upload <file> --name <name> [--scorer NAME|JSON] [--description TEXT] [--format jsonl|csv|json]
  switchyard-cli datasets list
  switchyard-cli datasets show <name> [--version N] [--items N]
options for every command: --url URL (default http://localhost:8080), --admin-key KEY`;

const CONTENT_TYPES = { jsonl: 'application/x-ndjson', csv: 'text/csv', json: 'application/json' };
const FORMAT_BY_EXTENSION = { '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.csv': 'csv', '.json': 'json' };

class CliError extends Error {}

function parse(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string', default: 'http://localhost:8080' },
      'admin-key': { type: 'string' },
      name: { type: 'string' },
      scorer: { type: 'string' },
      description: { type: 'string' },
      format: { type: 'string' },
      version: { type: 'string' },
      items: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  return { options: values, positionals };
}

async function call(options, method, path, body, contentType) {
  if (!options['admin-key']) throw new CliError('--admin-key is required (the gateway prints its dev key at start; in production it is SWITCHYARD_ADMIN_KEY)');
  const url = new URL(path, options.url.endsWith('/') ? options.url : `${options.url}/`);
  let res;
  try {
    res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${options['admin-key']}`, 'x-switchyard-actor': 'switchyard-cli', ...(contentType && { 'content-type': contentType }) },
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

async function main() {
  const { options, positionals } = parse(process.argv.slice(2));
  const [group, command, arg] = positionals;
  if (options.help || group !== 'datasets') throw new CliError(USAGE);
  if (command === 'upload') return upload(options, arg);
  if (command === 'list') return list(options);
  if (command === 'show') return show(options, arg);
  throw new CliError(USAGE);
}

main().catch((error) => {
  console.error(error instanceof CliError ? error.message : (error.stack ?? String(error)));
  process.exitCode = 1;
});
