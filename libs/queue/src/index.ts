export * from './queue.names.js';
export * from './redis.bootstrap.js';
export * from './judge.queue.js';
export * from './shadow.queue.js';
export * from './golden.queue.js';
export * from './policy-notice.publisher.js';
export * from './canary.queue.js';
export * from './optimizer.queue.js';
