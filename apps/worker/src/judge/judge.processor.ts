import { judgeJobSchema } from '@switchyard/contracts';
import { type Job, UnrecoverableError } from 'bullmq';
import type { JobProcessor } from '../queues/job-processor.js';
import type { JudgeOutcome, JudgeSpanService } from './judge-span.service.js';

/** Thin: parse the payload (bad → unrecoverable), delegate, let transient errors throw for a retry. */
export class JudgeProcessor implements JobProcessor<JudgeOutcome> {
  constructor(private readonly service: JudgeSpanService) {}

  process(job: Job): Promise<JudgeOutcome> {
    const payload = judgeJobSchema.safeParse(job.data);
    if (!payload.success) throw new UnrecoverableError(`bad judge job payload: ${payload.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return this.service.execute(payload.data);
  }
}
