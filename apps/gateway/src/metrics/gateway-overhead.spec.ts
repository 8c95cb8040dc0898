import type { ModelConfig, ProviderConfig } from '@switchyard/config';
import { describe, expect, it } from 'vitest';
import type { Attempt } from '../dispatch/attempt.js';
import type { CallTarget } from '../providers/provider.adapter.js';
import { gatewayOverheadMs, type OverheadInput } from './gateway-overhead.js';

const target = (id: string): CallTarget => ({ model: { id } as ModelConfig, provider: { name: `p-${id}` } as ProviderConfig });
const ok = (model: string, latencyMs: number, extra: Partial<Attempt> = {}): Attempt => ({ model, provider: `p-${model}`, latencyMs, status: 200, ...extra });
const failed = (model: string, latencyMs: number, extra: Partial<Attempt> = {}): Attempt => ({ model, provider: `p-${model}`, latencyMs, errorClass: 'server_error', status: 500, ...extra });

const call = (over: Partial<OverheadInput>): OverheadInput => ({
  status: 'ok',
  stream: false,
  startedPerf: 1_000,
  endedPerf: 1_200,
  sentAt: 1_003,
  target: target('a'),
  attempts: [ok('a', 190)],
  ...over,
});

describe('gatewayOverheadMs', () => {
  it('JSON: the time before sending plus the time after the upstream body arrived', () => {
    // 3 ms before sending, 190 ms upstream, 7 ms to hand the answer over.
    expect(gatewayOverheadMs(call({}))).toBeCloseTo(10, 6);
  });

  it('takes away the failed attempts before a fallback, but keeps retry backoff as the gateway’s own time', () => {
    // a failed (40 ms), a retried and failed (30 ms), b served; sent b at +100, so 30 ms of that was neither upstream.
    const r = call({ target: target('b'), sentAt: 1_100, endedPerf: 1_160, attempts: [failed('a', 40), failed('a', 30, { retry: 1 }), ok('b', 55)] });
    expect(gatewayOverheadMs(r)).toBeCloseTo(30 + 5, 6);
  });

  it('skipped candidates cost nothing, and a failed race counts once, as its slowest leg', () => {
    const r = call({
      target: target('c'),
      sentAt: 1_052,
      endedPerf: 1_100,
      attempts: [failed('a', 50, { race: true }), failed('b', 20, { race: true }), { model: 'x', provider: 'p-x', latencyMs: 0, skipped: 'breaker_open' }, ok('c', 46)],
    });
    expect(gatewayOverheadMs(r)).toBeCloseTo(2 + 2, 6);
  });

  it('a winning race leg: its rivals ran alongside it and subtract nothing', () => {
    const r = call({
      target: target('b'),
      sentAt: 1_002,
      endedPerf: 1_050,
      attempts: [ok('b', 45, { race: true }), { ...ok('a', 45, { race: true }), cancelled: true, costUsd: 0.001 }],
    });
    expect(gatewayOverheadMs(r)).toBeCloseTo(2 + 3, 6);
  });

  it('streams: only the time before the serving attempt was sent (the relay moves at the upstream’s pace)', () => {
    const r = call({ stream: true, sentAt: 1_004, endedPerf: 3_000, attempts: [ok('a', 80)] });
    expect(gatewayOverheadMs(r)).toBeCloseTo(4, 6);
  });

  it('never negative from rounded attempt latencies', () => {
    expect(gatewayOverheadMs(call({ sentAt: 1_000, endedPerf: 1_190, attempts: [ok('a', 190.05)] }))).toBe(0);
  });

  it('undefined for calls nothing served', () => {
    expect(gatewayOverheadMs(call({ status: 'error', attempts: [failed('a', 10)] }))).toBeUndefined();
    expect(gatewayOverheadMs(call({ status: 'cancelled' }))).toBeUndefined();
    expect(gatewayOverheadMs(call({ sentAt: undefined }))).toBeUndefined();
    expect(gatewayOverheadMs(call({ attempts: [failed('a', 10)] }))).toBeUndefined();
  });
});
