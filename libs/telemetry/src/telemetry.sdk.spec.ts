import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { startTelemetry } from './telemetry.sdk.js';

describe('startTelemetry', () => {
  it('gives spans real ids even without an exporter', async () => {
    const telemetry = startTelemetry({ serviceName: 'spec' });
    const span = trace.getTracer('spec').startSpan('x');
    expect(span.spanContext().spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span.spanContext().spanId).not.toBe('0000000000000000');
    expect(span.spanContext().traceId).not.toMatch(/^0+$/);
    // No exporter: nothing would read the span, so it is not recorded.
    expect(span.isRecording()).toBe(false);
    span.end();
    await telemetry.shutdown();
  });
});
