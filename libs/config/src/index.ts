export * from './app-config.js';
export * from './config.loader.js';
export * from './config.schema.js';
export * from './config.module.js';
export * from './test-env.js';
export * from './model-catalog.factory.js';
