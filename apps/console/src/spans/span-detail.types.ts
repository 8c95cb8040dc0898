/**
 * `GET /admin/spans/:id` answers with the stored span and score rows as they are (libs/db
 * span.table.ts, score.table.ts), and has no zod contract yet: these narrow local types mirror
 * those rows as JSON (timestamps as ISO strings).
 */

export type RedactionMode = 'full' | 'metadata-only' | 'hashed';
export type ScoreSource = 'judge' | 'golden' | 'shadow' | 'feedback' | 'human';

export interface SpanAttemptRecord {
  model: string;
  provider: string;
  errorClass?: string;
  status?: number;
  latencyMs: number;
  message?: string;
  retry?: number;
  race?: boolean;
  cancelled?: boolean;
  costUsd?: number;
  skipped?: 'breaker_open' | 'context_window' | 'rate_limited';
  keyIndex?: number;
}

export interface SpanRecord {
  spanId: string;
  traceId: string;
  parentSpanId: string | null;
  startedAt: string;
  latencyMs: number;
  ttftMs: number | null;
  operation: 'chat' | 'embeddings';
  tenant: string | null;
  virtualKeyId: string | null;
  workload: string;
  policyVersion: string;
  strategy: string;
  rule: string | null;
  requestedModel: string;
  model: string | null;
  provider: string | null;
  responseModel: string | null;
  candidates: string[];
  attempts: SpanAttemptRecord[];
  fallbackReason: string | null;
  status: 'ok' | 'error' | 'cancelled';
  httpStatus: number;
  errorClass: string | null;
  errorMessage: string | null;
  stream: boolean;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
  finishReasons: string[] | null;
  redaction: RedactionMode;
  requestBody: unknown;
  responseBody: unknown;
  requestHash: string | null;
  metadata: Record<string, unknown> | null;
  internal: boolean;
  origin: 'live' | 'judge' | 'golden' | 'shadow';
  runId: string | null;
  createdAt: string;
}

export interface ScoreRecord {
  id: string;
  spanId: string;
  scorer: string;
  scorerVersion: string;
  source: ScoreSource;
  status: 'ok' | 'failed';
  /** Null exactly when the status is `failed`. */
  score: number | null;
  label: string | null;
  reason: string | null;
  raw: string | null;
  workload: string;
  model: string | null;
  runId: string | null;
  datasetItemId: string | null;
  judgeSpanId: string | null;
  metadata: Record<string, unknown>;
  createdAt: string;
}

export interface SpanDetailResponse {
  span: SpanRecord;
  scores: ScoreRecord[];
}
