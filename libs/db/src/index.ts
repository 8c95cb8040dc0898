export * from './tables/index.js';
export * from './database.client.js';
export * from './database.migrator.js';
export * from './embedded-postgres.server.js';
export * from './span.repository.js';
export * from './database.bootstrap.js';
export * from './policy-version.repository.js';
