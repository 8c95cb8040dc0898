export * from './golden-run-admin.schema.js';
