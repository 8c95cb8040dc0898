export * from './judge-job.schema.js';
