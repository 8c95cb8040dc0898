import { canaryJobSchema, canaryStartJobSchema } from '@switchyard/contracts';
import { type Job, UnrecoverableError } from 'bullmq';
import type { JobProcessor } from '../queues/job-processor.js';
import type { CanaryOutcome, CanaryRolloutService } from './canary-rollout.service.js';

const describeIssues = (issues: { path: PropertyKey[]; message: string }[]): string => issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');

/** Thin: `canary-start` starts a rollout, `canary-step` checks a step; bad payloads are unrecoverable. */
export class CanaryProcessor implements JobProcessor<CanaryOutcome> {
  constructor(private readonly rollout: CanaryRolloutService) {}

  process(job: Job): Promise<CanaryOutcome> {
    if (job.name === 'canary-start') {
      const payload = canaryStartJobSchema.safeParse(job.data);
      if (!payload.success) throw new UnrecoverableError(`bad canary-start payload: ${describeIssues(payload.error.issues)}`);
      return this.rollout.start(payload.data);
    }
    const payload = canaryJobSchema.safeParse(job.data);
    if (!payload.success) throw new UnrecoverableError(`bad canary-step payload: ${describeIssues(payload.error.issues)}`);
    return this.rollout.check(payload.data);
  }
}
