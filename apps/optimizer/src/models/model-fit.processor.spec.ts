import type { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { ModelFitProcessor } from './model-fit.processor.js';
import type { ModelFitService } from './model-fit.service.js';

const job = (data: unknown): Job => ({ data }) as Job;
const fitter = (status: 'fitted' | 'skipped'): Pick<ModelFitService, 'refit'> & { forced: boolean[] } => {
  const forced: boolean[] = [];
  return { forced, refit: (force: boolean) => (forced.push(force), Promise.resolve({ status } as Awaited<ReturnType<ModelFitService['refit']>>)) };
};

describe('ModelFitProcessor', () => {
  it('proposes only after a refit that ran, and a failed proposal run does not fail the job', async () => {
    let proposals = 0;
    const failing = { proposeFromLatestFit: () => (proposals++, Promise.reject(new Error('db down'))) };
    const fitted = fitter('fitted');
    expect(await new ModelFitProcessor(fitted, failing).process(job({ force: true }))).toBe('fitted');
    expect(fitted.forced).toEqual([true]);
    expect(proposals).toBe(1);
    expect(await new ModelFitProcessor(fitter('skipped'), failing).process(job({}))).toBe('skipped');
    expect(proposals).toBe(1);
  });

  it('refuses a malformed payload for good', async () => {
    await expect(new ModelFitProcessor(fitter('fitted'), { proposeFromLatestFit: () => Promise.reject(new Error('unused')) }).process(job({ force: 'yes' }))).rejects.toThrow('bad refit job payload');
  });
});
