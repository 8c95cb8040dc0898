export * from './policy-admin.schema.js';
