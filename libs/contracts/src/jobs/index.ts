export * from './judge-job.schema.js';
export * from './shadow-job.schema.js';
export * from './golden-job.schema.js';
