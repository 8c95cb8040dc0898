export * from './queue.names.js';
export * from './redis.bootstrap.js';
