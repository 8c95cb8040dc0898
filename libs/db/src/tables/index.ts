export * from './span.table.js';
