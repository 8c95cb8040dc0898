export * from './bootstrap-interval.js';
export * from './distributions.js';
export * from './interval.js';
export * from './quantile.js';
export * from './summarize.js';
export * from './two-proportion-interval.js';
export * from './welch-interval.js';
export * from './wilson-interval.js';
