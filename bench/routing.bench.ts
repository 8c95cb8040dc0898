// `npm run bench:routing`: the cost of one routing decision (`evaluate`) on a realistic policy, and of
// building its request features (`chatFeatures`) from ~4 KB and ~100 KB prompts, with same-run
// baselines. Prints one JSON report on stdout. See bench/README.md.
import { loadavg } from 'node:os';
import type { Condition, Filter, PolicyDocumentInput, RouteRule, Selector } from '@switchyard/contracts';
import { buildCatalog, type CatalogModel, chatFeatures, compilePolicy, type DeploymentSnapshot, evaluate, type LiveState, type RequestFeatures, seededRng, validatePolicy } from '@switchyard/routing';
import { emitReport } from './support/bench-report.js';

const CALLS = 200_000;
const WARMUP = 50_000;
const CHUNK = 10_000;
const FEATURE_POOL = 1_000;
const TARGET_P99_US = 20;
const FEATURE_CALLS = 40_000;
const BODY_POOL = 16;

// The inputs are built reproducibly.
const rand = seededRng(20_240_601);
const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];
const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));

// ---- catalog: 16 chat models, from small and cheap to frontier ----

const chat = (id: string, inputUsdPerMTok: number, outputUsdPerMTok: number, contextWindow: number): CatalogModel => ({ id, kind: 'chat', inputUsdPerMTok, outputUsdPerMTok, contextWindow });
const MODELS: CatalogModel[] = [
  chat('nano', 0.05, 0.2, 32_000),
  chat('mini', 0.15, 0.6, 128_000),
  chat('flash', 0.1, 0.4, 1_000_000),
  chat('fast-mid', 0.8, 4, 200_000),
  chat('small-oss', 0.06, 0.06, 32_000),
  chat('medium-oss', 0.2, 0.2, 64_000),
  chat('large-oss', 0.6, 0.6, 128_000),
  chat('coder-oss', 0.3, 0.3, 128_000),
  chat('std', 2.5, 10, 128_000),
  chat('std-long', 2, 8, 1_000_000),
  chat('balanced', 3, 15, 200_000),
  chat('pro', 1.25, 10, 1_000_000),
  chat('reasoner', 1.1, 4.4, 200_000),
  chat('reasoner-pro', 15, 60, 200_000),
  chat('frontier', 15, 75, 200_000),
  chat('ultra', 5, 20, 400_000),
];
const IDS = MODELS.map((m) => m.id);
const catalog = buildCatalog(MODELS);

// ---- policy: 10 workloads x 5 rules, 8 candidates per target, mixed strategies ----

const WORKLOADS = ['support', 'coding', 'summarize', 'extraction', 'chat', 'agents', 'translation', 'classification', 'rag', 'vision'];

const eightOf = (offset: number): string[] => Array.from({ length: 8 }, (_, i) => IDS[(offset + i * 2) % IDS.length]);

type TargetSpec = { filters?: Filter[]; select: Selector };
const strategies = (candidates: string[]): TargetSpec[] => [
  { select: { kind: 'cost', minQuality: 0.75 } },
  { select: { kind: 'quality', maxUsd: 0.02, p95Ms: 4_000 } },
  { select: { kind: 'latency', minSamples: 20, warmupShare: 0.1 } },
  { select: { kind: 'weighted', weights: Object.fromEntries(candidates.map((id, i) => [id, 8 - i])) } },
  { select: { kind: 'round_robin' } },
  {
    filters: [
      { kind: 'quality_floor', min: 0.7 },
      { kind: 'cheapest', within: 0.1 },
    ],
    select: { kind: 'round_robin' },
  },
  {
    filters: [
      { kind: 'latency_slo', p95Ms: 3_000 },
      { kind: 'best_quality', within: 0.05 },
    ],
    select: { kind: 'least_busy' },
  },
  { filters: [{ kind: 'cost_ceiling', maxUsd: 0.05 }], select: { kind: 'race', k: 2 } },
];

const CONDITIONS: Condition[] = [
  { feature: 'input_tokens', op: 'gt', value: 32_000 },
  { and: [{ feature: 'has_tools', op: 'eq', value: true }, { feature: 'message_count', op: 'gte', value: 6 }] },
  { feature: 'metadata.tier', op: 'in', value: ['enterprise', 'gold'] },
  { feature: 'system_prompt', op: 'matches', value: '\\b(sql|database|schema|query)\\b', flags: 'i' },
  { or: [{ feature: 'json_mode', op: 'eq', value: true }, { feature: 'header.x-response-format', op: 'eq', value: 'json' }] },
  { feature: 'has_images', op: 'eq', value: true },
  { and: [{ feature: 'metadata.priority', op: 'gte', value: 8 }, { not: { feature: 'stream', op: 'eq', value: true } }] },
  { feature: 'system_prompt', op: 'matches', value: '^You are (a|an) (senior|expert) ', flags: 'm' },
  { feature: 'tenant', op: 'in', value: ['t-3', 't-7', 't-11', 't-19'] },
  { feature: 'max_tokens', op: 'lt', value: 64 },
];

function route(w: number): NonNullable<PolicyDocumentInput['routes']>[string] {
  const rules: RouteRule[] = [];
  for (let r = 0; r < 5; r++) {
    const candidates = eightOf(w + r);
    const spec = strategies(candidates)[(w + r) % 8];
    rules.push({
      name: r === 4 ? 'rest' : `rule-${r}`,
      ...(r === 4 ? {} : { when: CONDITIONS[(w * 3 + r) % CONDITIONS.length] }),
      target: { candidates, filters: spec.filters ?? [], select: spec.select },
    });
  }
  return {
    rules,
    fallback: { models: [IDS[(w + 5) % IDS.length], IDS[(w + 11) % IDS.length]] },
    ...(w % 3 === 0 ? { canary: { name: `diff-${w}`, share: 0.1, target: { candidates: eightOf(w + 7), select: { kind: 'cost', minQuality: 0.7 } } } } : {}),
  };
}

const quality: Record<string, Record<string, number>> = { '*': Object.fromEntries(IDS.map((id, i) => [id, 0.55 + (i / IDS.length) * 0.4])) };
for (const w of WORKLOADS) quality[w] = Object.fromEntries(IDS.map((id) => [id, Math.round((0.5 + rand() * 0.5) * 100) / 100]));

const doc: PolicyDocumentInput = {
  defaultWorkload: 'chat',
  workloadRules: [
    { when: { feature: 'has_images', op: 'eq', value: true }, workload: 'vision' },
    { when: { and: [{ feature: 'has_tools', op: 'eq', value: true }, { feature: 'message_count', op: 'gt', value: 4 }] }, workload: 'agents' },
    { when: { feature: 'system_prompt', op: 'matches', value: '\\b(summari[sz]e|tl;?dr)\\b', flags: 'i' }, workload: 'summarize' },
    { when: { feature: 'system_prompt', op: 'matches', value: 'translate (from|into)', flags: 'i' }, workload: 'translation' },
    { when: { feature: 'metadata.app', op: 'eq', value: 'helpdesk' }, workload: 'support' },
    { when: { feature: 'input_tokens', op: 'gt', value: 20_000 }, workload: 'rag' },
  ],
  defaultRoute: route(4),
  routes: Object.fromEntries(WORKLOADS.map((name, w) => [name, route(w)])),
  quality,
};

const validation = validatePolicy(doc, catalog);
if (!validation.ok) throw new Error(`bench policy is invalid: ${JSON.stringify(validation.issues)}`);
const policy = compilePolicy(validation.policy, catalog, 'bench');

// ---- live state: every model has a snapshot; a few are down or cold ----

const snapshots = new Map<string, DeploymentSnapshot>();
IDS.forEach((id, i) => {
  const p50 = 200 + rand() * 1_500;
  const snap: DeploymentSnapshot = {
    available: true,
    breaker: 'closed',
    samples: i % 7 === 6 ? int(0, 10) : int(50, 5_000),
    p50Ms: p50,
    p95Ms: p50 * (1.8 + rand()),
    p99Ms: p50 * (3 + rand()),
    ttftP95Ms: p50 * 0.4,
    errorRate: rand() * 0.02,
    inFlight: int(0, 40),
  };
  if (id === 'std') Object.assign(snap, { available: false, breaker: 'open' });
  if (id === 'fast-mid') Object.assign(snap, { available: false, cooldownUntil: Date.now() + 60_000 });
  snapshots.set(id, snap);
});
const live: LiveState = { get: (model) => snapshots.get(model) };

// ---- request features: 1,000 varied requests ----

const PROMPTS = [
  'You are a helpful support agent for Acme. Be concise and friendly.',
  'You are a senior data engineer. Write SQL for the schema below and explain the query plan.',
  'Summarize the following document in five bullet points.',
  'Translate from German into English, preserving formatting.',
  'You are an expert Python developer. Use the tools to inspect the repository.',
  'Classify the ticket into one of: billing, bug, feature, other. Answer with JSON.',
  'Answer using only the retrieved passages. Cite passage ids.',
  '',
];
const filler = 'Follow the policy. Never reveal internal notes. Keep answers short and accurate. ';

const pool: RequestFeatures[] = Array.from({ length: FEATURE_POOL }, () => {
  const hasTools = rand() < 0.3;
  const systemPrompt = pick(PROMPTS) + filler.repeat(int(0, 30));
  const roll = rand();
  return {
    operation: 'chat',
    requestedModel: roll < 0.02 ? pick(IDS) : roll < 0.15 ? pick(WORKLOADS) : 'auto',
    inputTokens: Math.floor(50 + rand() ** 3 * 120_000),
    messageCount: int(1, 30),
    hasTools,
    hasImages: rand() < 0.05,
    jsonMode: rand() < 0.2,
    stream: rand() < 0.6,
    maxTokens: rand() < 0.4 ? int(16, 4_096) : undefined,
    systemPrompt,
    metadata: rand() < 0.7 ? { tier: pick(['free', 'pro', 'gold', 'enterprise']), priority: String(int(1, 10)), app: pick(['helpdesk', 'ide', 'web', 'batch']) } : undefined,
    headers: { 'x-response-format': rand() < 0.1 ? 'json' : 'text', 'user-agent': 'openai-node/6' },
    tenant: rand() < 0.9 ? `t-${int(1, 25)}` : undefined,
    user: rand() < 0.7 ? `u-${int(1, 5_000)}` : undefined,
    workloadHeader: rand() < 0.1 ? pick(WORKLOADS) : undefined,
    keyWorkload: rand() < 0.1 ? pick(WORKLOADS) : undefined,
  };
});

// ---- baselines ----

/** The least a router can do: one map lookup from the requested name to a model. */
const staticMap = new Map<string, string>([...WORKLOADS.map((w, i) => [w, IDS[i]] as const), ['auto', 'mini']]);
const staticRoute = (f: RequestFeatures): { chosen: string | undefined } => ({ chosen: staticMap.get(f.workloadHeader ?? f.requestedModel) ?? 'mini' });
const trivial = (f: RequestFeatures): { chosen: string | undefined } => ({ chosen: f.requestedModel });

// ---- timing ----

type Router = (f: RequestFeatures) => { chosen?: string | undefined };
const routers: Record<'evaluate' | 'staticMap' | 'trivial', Router> = {
  evaluate: (f) => evaluate(policy, f, live, Math.random),
  staticMap: staticRoute,
  trivial,
};
let sink = 0;

function timeChunk(router: Router, out: Float64Array, at: number, start: number): void {
  for (let i = 0; i < CHUNK; i++) {
    const f = pool[(start + i) % FEATURE_POOL];
    const t0 = process.hrtime.bigint();
    const d = router(f);
    const t1 = process.hrtime.bigint();
    out[at + i] = Number(t1 - t0);
    sink += d.chosen ? d.chosen.length : 1;
  }
}

function throughput(router: Router, calls: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) sink += router(pool[i % FEATURE_POOL]).chosen?.length ?? 1;
  return Math.round(calls / (Number(process.hrtime.bigint() - t0) / 1e9));
}

const us = (ns: number): number => Math.round(ns / 10) / 100;
function summary(ns: Float64Array): { p50Us: number; p90Us: number; p99Us: number; p999Us: number; maxUs: number; meanUs: number } {
  const sorted = Float64Array.from(ns).sort();
  const q = (p: number): number => us(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]);
  let sum = 0;
  for (const x of sorted) sum += x;
  return { p50Us: q(0.5), p90Us: q(0.9), p99Us: q(0.99), p999Us: q(0.999), maxUs: us(sorted[sorted.length - 1]), meanUs: us(sum / sorted.length) };
}

const load = loadavg().map((l) => Math.round(l * 100) / 100);
for (let i = 0; i < WARMUP; i++) for (const r of Object.values(routers)) sink += r(pool[i % FEATURE_POOL]).chosen?.length ?? 1;

// Chunks interleave, so a burst of noise on the shared machine hits every series alike.
const samples = { evaluate: new Float64Array(CALLS), staticMap: new Float64Array(CALLS), trivial: new Float64Array(CALLS) };
for (let at = 0; at < CALLS; at += CHUNK) {
  for (const name of ['evaluate', 'staticMap', 'trivial'] as const) timeChunk(routers[name], samples[name], at, at);
}
const evalPerSec = throughput(routers.evaluate, CALLS);
const staticPerSec = throughput(routers.staticMap, CALLS);

// What the timed calls decided, so a reader can see they did real work.
const decisions = pool.map((f) => evaluate(policy, f, live, Math.random));
const evaluateStats = { ...summary(samples.evaluate), callsPerSec: evalPerSec };

// ---- chatFeatures: request bodies of about 4 KB and 100 KB ----

const PARAGRAPHS = [
  'Our refund policy allows returns within thirty days of delivery. Items must be unused and in their original packaging, and the receipt is required. ',
  'The quarterly report shows revenue up eight percent, driven by the enterprise segment, while churn in the small-business tier rose slightly. ',
  'def load_orders(path):\n    with open(path) as f:\n        return [json.loads(line) for line in f]\n\n',
  'const total = orders.filter((o) => o.status === "paid").reduce((sum, o) => sum + o.amount, 0);\n',
  'SELECT customer_id, SUM(amount) AS total FROM orders WHERE created_at > now() - interval 30 day GROUP BY customer_id;\n',
  'Пожалуйста, проверьте статус моего заказа: он должен был прийти на прошлой неделе, но так и не доставлен. ',
  '请帮我总结一下这份文件的主要内容，并列出三个需要注意的风险点。我们下周需要向管理层汇报。',
  'Die Lieferung ist beschädigt angekommen; bitte senden Sie mir eine Rücksendeetikette und erstatten Sie den Betrag. ',
];
// Prose-heavy, like most traffic: code and other scripts appear in some bodies, not all.
const PARAGRAPH_WEIGHTS = [5, 5, 1, 1, 1, 1, 1, 1];
const paragraph = (): string => {
  let r = rand() * PARAGRAPH_WEIGHTS.reduce((a, b) => a + b, 0);
  for (let i = 0; i < PARAGRAPHS.length; i++) if ((r -= PARAGRAPH_WEIGHTS[i]) < 0) return PARAGRAPHS[i];
  return PARAGRAPHS[0];
};
const textOf = (chars: number): string => {
  let t = '';
  while (t.length < chars) t += paragraph();
  return t.slice(0, chars);
};

type Body = Record<string, unknown> & { model: string };

/** A chat body of about `chars` characters: a system prompt, some earlier turns, and a last user message holding the rest. */
function body(chars: number): Body {
  const system = pick(PROMPTS) + filler.repeat(int(0, 4));
  const turns = int(0, 3);
  const messages: { role: string; content: string }[] = [{ role: 'system', content: system }];
  let used = system.length;
  for (let t = 0; t < turns; t++) {
    const user = textOf(int(100, 400));
    const assistant = textOf(int(100, 400));
    messages.push({ role: 'user', content: user }, { role: 'assistant', content: assistant });
    used += user.length + assistant.length;
  }
  messages.push({ role: 'user', content: textOf(Math.max(200, chars - used)) });
  const b = { model: 'auto', messages, ...(rand() < 0.3 ? { tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }] } : {}) };
  // Through JSON, as the gateway receives it: flat strings, not the concatenations built above.
  return JSON.parse(JSON.stringify(b)) as Body;
}

const SIZES = { '4kB': 4_096, '100kB': 102_400 } as const;
type Size = keyof typeof SIZES;
const bodies: Record<Size, Body[]> = {
  '4kB': Array.from({ length: BODY_POOL }, () => body(SIZES['4kB'])),
  '100kB': Array.from({ length: BODY_POOL }, () => body(SIZES['100kB'])),
};
const promptChars = (bs: readonly Body[]): number => Math.round(bs.reduce((n, b) => n + textLength(b), 0) / bs.length);
const noHeaders = {};

/** The least a features pass does: one walk over the messages adding up their text lengths (the token estimate alone). */
function textLength(b: Body): number {
  let n = 0;
  for (const m of b.messages as { content: unknown }[]) if (typeof m.content === 'string') n += m.content.length;
  return n;
}

type FeatureSeries = 'chatFeatures' | 'textLength';
const featureFns: Record<FeatureSeries, (b: Body) => number> = {
  chatFeatures: (b) => chatFeatures(b, noHeaders, undefined).inputTokens,
  textLength,
};
for (let i = 0; i < WARMUP / 10; i++) for (const size of Object.keys(SIZES) as Size[]) for (const fn of Object.values(featureFns)) sink += fn(bodies[size][i % BODY_POOL]);
const featureSamples = Object.fromEntries(
  (Object.keys(SIZES) as Size[]).map((size) => [size, { chatFeatures: new Float64Array(FEATURE_CALLS), textLength: new Float64Array(FEATURE_CALLS) }]),
) as Record<Size, Record<FeatureSeries, Float64Array>>;
for (let at = 0; at < FEATURE_CALLS; at += CHUNK) {
  for (const size of Object.keys(SIZES) as Size[]) {
    for (const name of ['chatFeatures', 'textLength'] as const) {
      const out = featureSamples[size][name];
      const fn = featureFns[name];
      for (let i = 0; i < CHUNK; i++) {
        const b = bodies[size][(at + i) % BODY_POOL];
        const t0 = process.hrtime.bigint();
        sink += fn(b);
        out[at + i] = Number(process.hrtime.bigint() - t0);
      }
    }
  }
}
type SizeReport = ReturnType<typeof summary> & { promptChars: number };
const featureReport = (name: FeatureSeries): Record<Size, SizeReport> =>
  Object.fromEntries((Object.keys(SIZES) as Size[]).map((size) => [size, { ...summary(featureSamples[size][name]), promptChars: promptChars(bodies[size]) }])) as Record<Size, SizeReport>;

emitReport('routing', {
  loadAtStart: load,
  policy: { workloads: WORKLOADS.length, rulesPerWorkload: 5, candidates: 8, workloadRules: doc.workloadRules?.length ?? 0, models: IDS.length, featurePool: FEATURE_POOL },
  calls: CALLS,
  evaluate: evaluateStats,
  chatFeatures: { calls: FEATURE_CALLS, ...featureReport('chatFeatures') },
  baseline: {
    staticMap: { ...summary(samples.staticMap), callsPerSec: staticPerSec, note: 'one Map lookup per request: the floor of any router' },
    timingLoop: { ...summary(samples.trivial), note: 'a trivial function under the same per-call timer: the timer overhead inside every figure' },
    textLength: { ...featureReport('textLength'), note: 'one walk over the messages adding up their text lengths: the floor of any features pass' },
  },
  decisions: {
    rules: new Set(decisions.map((d) => `${d.workload}/${d.rule}`)).size,
    strategies: new Set(decisions.map((d) => d.strategy)).size,
    targetEmpty: decisions.filter((d) => d.targetEmpty).length,
    unrouted: decisions.filter((d) => d.chosen === undefined).length,
  },
  target: { p99Us: TARGET_P99_US },
  pass: evaluateStats.p99Us < TARGET_P99_US,
  checksum: sink % 997,
});
