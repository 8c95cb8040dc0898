import type { SpanRecord } from '@switchyard/contracts';

/** How routing decided, as the gateway keeps it under `metadata.routing` (see the README's "Spans"). */
export interface RoutingDetails {
  /** How the workload was found: header, key, alias, rule or default. */
  workloadSource: string | null;
  /** The strategy's ranking metric per candidate (cost, quality, p95, ...), null when it had none. */
  ranked: { model: string; score: number | null }[];
  excluded: { model: string; reason: string }[];
  /** The legs sent at once when the call raced. */
  race: string[];
  canary: { name: string; arm: string } | null;
  /** The target yielded nothing and the fallback chain served. */
  targetEmpty: boolean;
}

export interface CandidateRow {
  position: number;
  model: string;
  rankScore: number | null;
  /** What became of it: served, raced, tried and failed, or never tried. */
  role: 'served' | 'race leg' | 'tried' | 'not tried';
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Reads `metadata.routing` defensively: it is free-form JSON on the row, and older rows may lack parts of it. */
export function routingDetails(metadata: SpanRecord['metadata']): RoutingDetails | null {
  const routing = metadata?.['routing'];
  if (!isRecord(routing)) return null;
  const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isRecord) : []);
  const canary = isRecord(routing['canary']) ? routing['canary'] : null;
  return {
    workloadSource: str(routing['workloadSource']),
    ranked: list(routing['ranked']).flatMap((r) => {
      const model = str(r['model']);
      return model ? [{ model, score: typeof r['score'] === 'number' ? r['score'] : null }] : [];
    }),
    excluded: list(routing['excluded']).flatMap((r) => {
      const model = str(r['model']);
      return model ? [{ model, reason: str(r['reason']) ?? 'unknown' }] : [];
    }),
    race: Array.isArray(routing['race']) ? routing['race'].filter((m): m is string => typeof m === 'string') : [],
    canary: canary && str(canary['name']) ? { name: str(canary['name']) ?? '', arm: str(canary['arm']) ?? 'unknown' } : null,
    targetEmpty: routing['targetEmpty'] === true,
  };
}

/** The candidates in the order routing would try them, each with its ranking metric and what became of it. */
export function candidateRows(span: Pick<SpanRecord, 'candidates' | 'attempts' | 'model'>, routing: RoutingDetails | null): CandidateRow[] {
  const rank = new Map((routing?.ranked ?? []).map((r) => [r.model, r.score]));
  const race = new Set(routing?.race ?? []);
  const tried = new Set(span.attempts.filter((a) => !a.skipped).map((a) => a.model));
  return span.candidates.map((model, i) => ({
    position: i + 1,
    model,
    rankScore: rank.get(model) ?? null,
    role: model === span.model ? 'served' : race.has(model) ? 'race leg' : tried.has(model) ? 'tried' : 'not tried',
  }));
}

/** One attempt's outcome in words: skipped (and why), dropped race leg, failed (error class), or answered. */
export function attemptOutcome(a: SpanRecord['attempts'][number]): string {
  if (a.skipped) return `skipped: ${a.skipped.replace(/_/g, ' ')}`;
  if (a.cancelled) return 'cancelled (race leg dropped)';
  if (a.errorClass) return `failed: ${a.errorClass}`;
  return 'answered';
}
