import { judgeJobSchema } from '@switchyard/contracts';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { JobProcessor } from '../queues/job-processor.js';
import { type JudgeOutcome, type JudgeSpanService, SpanNotPersistedError } from './judge-span.service.js';

/** How long a job waits for its span to reach Postgres before it gives up (the gateway may have dropped it). */
const SPAN_WAIT_LIMIT_MS = 10 * 60_000;
const SPAN_WAIT_STEP_MS = 250;

/**
 * Thin: parse the payload (bad → unrecoverable), delegate, let transient errors throw for a retry.
 * A span not yet persisted is waited for without spending the job's attempts.
 */
export class JudgeProcessor implements JobProcessor<JudgeOutcome> {
  constructor(private readonly service: JudgeSpanService) {}

  async process(job: Job, token?: string): Promise<JudgeOutcome> {
    const payload = judgeJobSchema.safeParse(job.data);
    if (!payload.success) throw new UnrecoverableError(`bad judge job payload: ${payload.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    try {
      return await this.service.execute(payload.data);
    } catch (err) {
      if (!(err instanceof SpanNotPersistedError) || !token || Date.now() - job.timestamp > SPAN_WAIT_LIMIT_MS) throw err;
      await job.moveToDelayed(Date.now() + SPAN_WAIT_STEP_MS, token);
      throw new DelayedError();
    }
  }
}
