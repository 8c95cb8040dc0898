import { shadowJobSchema } from '@switchyard/contracts';
import { type Job, UnrecoverableError } from 'bullmq';
import type { JobProcessor } from '../queues/job-processor.js';
import type { ShadowOutcome, ShadowProbeService } from './shadow-probe.service.js';

/** Thin: parse the payload (bad → unrecoverable), delegate, let transient errors throw for a retry. */
export class ShadowProcessor implements JobProcessor<ShadowOutcome> {
  constructor(private readonly service: ShadowProbeService) {}

  process(job: Job): Promise<ShadowOutcome> {
    const payload = shadowJobSchema.safeParse(job.data);
    if (!payload.success) throw new UnrecoverableError(`bad shadow job payload: ${payload.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const data = payload.data;
    return this.service.execute(data, (replayed) => job.updateData({ ...data, replayed }));
  }
}
