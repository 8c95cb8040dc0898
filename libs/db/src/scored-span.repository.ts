import { and, eq, gte, isNotNull, lt, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database } from './database.client.js';
import { type ScoreSource, scores, type SpanOrigin, spans } from './tables/index.js';

/** One usable score joined with the span it judges: what the optimizer fits its models on. */
export interface ScoredSpan {
  scoreId: string;
  spanId: string;
  workload: string;
  model: string;
  source: ScoreSource;
  /** The scorer's name, e.g. `judge:helpfulness`, `exact`, `multiple_choice`. */
  scorer: string;
  /** In [0, 1]; failed scores are never streamed. */
  score: number;
  scoredAt: Date;
  origin: SpanOrigin;
  /** Null unless the span was written with redaction `full`. */
  requestBody: unknown;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
  latencyMs: number;
}

export interface ScoredSpanWindow {
  /** Inclusive, on the score's `created_at`. */
  since?: Date;
  /** Exclusive. */
  until?: Date;
  workload?: string;
}

/** Cheap summary of the window's scores: unchanged means a refit would see the same data. */
export interface ScoreWatermark {
  /** The newest score's `created_at`, at full (microsecond) precision; null when there is none. */
  latest: string | null;
  count: number;
}

/** Moments of (judge, golden) score pairs on the same span, per workload: a calibration fits on these without holding the pairs. */
export interface JudgeGoldenMoments {
  workload: string;
  n: number;
  sumJudge: number;
  sumGolden: number;
  sumJudge2: number;
  sumGolden2: number;
  sumJudgeGolden: number;
}

const DEFAULT_BATCH = 10_000;

/**
 * Reads scored spans for the optimizer. Streams keyset-paginated batches ordered by the score's
 * (created_at, id), so a refit over a million rows holds one batch at a time. The cursor keeps
 * `created_at` as text: a JS Date would drop the microseconds and skip or repeat rows at a page edge.
 */
export class ScoredSpanRepository {
  constructor(private readonly db: Database) {}

  async *stream(window: ScoredSpanWindow, batchSize = DEFAULT_BATCH): AsyncGenerator<ScoredSpan[]> {
    let cursor: { at: string; id: string } | undefined;
    for (;;) {
      const conditions = this.windowConditions(window);
      if (cursor) conditions.push(sql`(${scores.createdAt}, ${scores.id}) > (${cursor.at}::timestamptz, ${cursor.id})`);
      const rows = await this.db
        .select({
          scoreId: scores.id,
          spanId: scores.spanId,
          workload: scores.workload,
          model: sql<string>`${scores.model}`,
          source: scores.source,
          scorer: scores.scorer,
          score: sql<number>`${scores.score}`,
          scoredAtText: sql<string>`${scores.createdAt}::text`,
          scoredAt: scores.createdAt,
          origin: spans.origin,
          requestBody: spans.requestBody,
          inputTokens: spans.inputTokens,
          outputTokens: spans.outputTokens,
          costUsd: spans.costUsd,
          latencyMs: spans.latencyMs,
        })
        .from(scores)
        .innerJoin(spans, eq(spans.spanId, scores.spanId))
        .where(and(...conditions))
        .orderBy(scores.createdAt, scores.id)
        .limit(batchSize);
      if (rows.length === 0) return;
      const last = rows[rows.length - 1];
      cursor = { at: last.scoredAtText, id: last.scoreId };
      yield rows.map(({ scoredAtText, ...row }) => (void scoredAtText, row));
      if (rows.length < batchSize) return;
    }
  }

  async watermark(window: ScoredSpanWindow): Promise<ScoreWatermark> {
    const [row] = await this.db
      .select({ latest: sql<string | null>`max(${scores.createdAt})::text`, count: sql<number>`count(*)::int` })
      .from(scores)
      .where(and(...this.windowConditions(window)));
    return { latest: row?.latest ?? null, count: row?.count ?? 0 };
  }

  /** Spans scored by both the judge and a golden scorer: the pairs a judge calibration is fitted on. */
  async judgeGoldenMoments(window: ScoredSpanWindow): Promise<JudgeGoldenMoments[]> {
    const golden = alias(scores, 'golden');
    const rows = await this.db
      .select({
        workload: scores.workload,
        n: sql<number>`count(*)::int`,
        sumJudge: sql<number>`sum(${scores.score})::float8`,
        sumGolden: sql<number>`sum(${golden.score})::float8`,
        sumJudge2: sql<number>`sum(${scores.score} * ${scores.score})::float8`,
        sumGolden2: sql<number>`sum(${golden.score} * ${golden.score})::float8`,
        sumJudgeGolden: sql<number>`sum(${scores.score} * ${golden.score})::float8`,
      })
      .from(scores)
      .innerJoin(golden, and(eq(golden.spanId, scores.spanId), eq(golden.source, 'golden'), eq(golden.status, 'ok')))
      .where(and(eq(scores.source, 'judge'), ...this.windowConditions(window)))
      .groupBy(scores.workload);
    return rows;
  }

  private windowConditions(window: ScoredSpanWindow): SQL[] {
    const conditions: SQL[] = [eq(scores.status, 'ok'), isNotNull(scores.model)];
    if (window.workload !== undefined) conditions.push(eq(scores.workload, window.workload));
    if (window.since !== undefined) conditions.push(gte(scores.createdAt, window.since));
    if (window.until !== undefined) conditions.push(lt(scores.createdAt, window.until));
    return conditions;
  }
}
