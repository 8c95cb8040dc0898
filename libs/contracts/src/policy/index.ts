export * from './condition.schema.js';
export * from './policy.schema.js';
export * from './strategy.schema.js';
