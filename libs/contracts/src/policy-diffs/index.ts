export * from './policy-diff.schema.js';
export * from './policy-diff.transition.js';
