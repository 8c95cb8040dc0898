import type { Queue } from 'bullmq';
import { QueueName } from './queue.names.js';

/** Model refits: a repeatable job in the optimizer, and on-demand requests from anyone with the admin key. */
export const OptimizerQueue = Object.freeze({
  name: QueueName.Optimizer,
  jobName: 'refit',
  /** One waiting on-demand refit at a time: a second request while it waits is the same job. */
  onDemandJobId: 'model-refit-on-demand',
});

/** Asks the optimizer for a refit (and the proposals after it); `force` refits even without new scores. */
export async function requestRefit(queue: Queue, force = true): Promise<void> {
  await queue.add(OptimizerQueue.jobName, { force }, { jobId: OptimizerQueue.onDemandJobId, removeOnComplete: true, removeOnFail: 100 });
}
