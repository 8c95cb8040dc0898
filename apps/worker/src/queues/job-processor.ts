import type { Job } from 'bullmq';

/** A queue's handler: parses its payload, delegates to a service, returns a status. */
export interface JobProcessor<R = unknown> {
  process(job: Job): Promise<R>;
}
