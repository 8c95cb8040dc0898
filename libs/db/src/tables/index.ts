export * from './span.table.js';
export * from './policy-version.table.js';
export * from './policy-activation.table.js';
export * from './policy-activation-event.table.js';
