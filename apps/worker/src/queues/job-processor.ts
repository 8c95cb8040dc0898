import type { Job } from 'bullmq';

/** A queue's handler: parses its payload, delegates to a service, returns a status. */
export interface JobProcessor<R = unknown> {
  /** `token` is the worker's lock token, needed to move the job (e.g. back to delayed). */
  process(job: Job, token?: string): Promise<R>;
}
