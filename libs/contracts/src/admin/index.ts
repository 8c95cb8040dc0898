export * from './policy-admin.schema.js';
export * from './admin-audit.schema.js';
