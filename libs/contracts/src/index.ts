export * from './openai/chat-completion-request.schema.js';
export * from './openai/embedding-request.schema.js';
export * from './openai/error-envelope.schema.js';
export * from './openai/zod-issues.js';
export * from './policy/index.js';
export * from './admin/index.js';
export * from './jobs/index.js';
export * from './datasets/index.js';
