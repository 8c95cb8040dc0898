export * from './fake-upstream/index.js';
export * from './database/index.js';
