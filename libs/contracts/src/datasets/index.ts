export * from './dataset-item.schema.js';
