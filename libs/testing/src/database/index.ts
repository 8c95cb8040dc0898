export * from './span-row.factory.js';
export * from './tcp-proxy.server.js';
export * from './test-database.helper.js';
