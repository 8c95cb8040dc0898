export { startFakeOpenAiUpstream } from './fake-openai.server.js';
export { startFakeAnthropicUpstream } from './fake-anthropic.server.js';
export type { FakeBehaviour, FakeResponder, FakeUpstream, FakeUpstreamOptions, FakeUsage, RecordedRequest } from './fake-upstream.server.js';
export { loadOpenAiSchemas, openAiSchemasPath, type OpenAiSchemaName, type OpenAiSchemas } from './openai-schemas.js';
