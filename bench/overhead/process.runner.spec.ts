import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, processCpuSeconds, processMemory } from './process.runner.js';

describe('bench process runner', () => {
  it('reads CPU seconds from /proc, growing with work done', () => {
    const before = processCpuSeconds(process.pid);
    const until = processCpuSeconds(process.pid) + 0.05;
    let spins = 0;
    while (processCpuSeconds(process.pid) < until) spins++;
    expect(spins).toBeGreaterThan(0);
    expect(processCpuSeconds(process.pid)).toBeGreaterThanOrEqual(before + 0.05);
  });

  it('reads resident memory and its peak', () => {
    const { rssMb, peakRssMb } = processMemory(process.pid);
    expect(rssMb).toBeGreaterThan(10);
    expect(peakRssMb).toBeGreaterThanOrEqual(rssMb);
    expect(Math.abs(rssMb - process.memoryUsage().rss / 2 ** 20)).toBeLessThan(50);
  });

  it('finds a port a server can then listen on', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(port).toBeGreaterThan(0);
  });
});
