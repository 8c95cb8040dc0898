export * from './dataset-item.schema.js';
export * from './dataset-admin.schema.js';
