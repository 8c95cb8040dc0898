export * from './process.runner.js';
