import { randomBytes } from 'node:crypto';
import type { NewSpanRow } from '@switchyard/db';

export const newSpanId = (): string => randomBytes(8).toString('hex');

/** A minimal valid span row with fresh OTel-shaped ids. */
export function buildSpanRow(overrides: Partial<NewSpanRow> = {}): NewSpanRow {
  return {
    spanId: newSpanId(),
    traceId: randomBytes(16).toString('hex'),
    startedAt: new Date(),
    latencyMs: 120,
    operation: 'chat',
    workload: 'default',
    policyVersion: 'v1',
    strategy: 'static',
    requestedModel: 'gpt-test',
    model: 'gpt-test',
    provider: 'fake',
    candidates: ['gpt-test'],
    attempts: [{ model: 'gpt-test', provider: 'fake', latencyMs: 118 }],
    status: 'ok',
    httpStatus: 200,
    stream: false,
    inputTokens: 12,
    outputTokens: 34,
    redaction: 'metadata-only',
    ...overrides,
  };
}
