export * from './tenant.schema.js';
export * from './virtual-key.schema.js';
export * from './admin-key.schema.js';
export * from './limits.schema.js';
