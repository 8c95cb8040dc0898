/** Queue names are persisted in Redis: never rename one, only add. */
export const QueueName = Object.freeze({
  Judge: 'judge',
  Golden: 'golden',
  Shadow: 'shadow',
  Canary: 'canary',
  Optimizer: 'optimizer',
} as const);
export type QueueName = (typeof QueueName)[keyof typeof QueueName];
