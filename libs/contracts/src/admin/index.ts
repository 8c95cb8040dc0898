export * from './policy-admin.schema.js';
export * from './admin-audit.schema.js';
export * from './admin-session.schema.js';
export * from './spans-admin.schema.js';
export * from './overview.schema.js';
export * from './span-detail.schema.js';
export * from './deployments.schema.js';
