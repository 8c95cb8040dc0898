import {
  countTokens,
  fakeArguments,
  fakeVector,
  isObject,
  pieces,
  sseEvent,
  startFakeServer,
  type FakeAnswer,
  type FakeProtocol,
  type FakeUpstream,
  type FakeUpstreamOptions,
  type FakeUsage,
} from './fake-upstream.server.js';

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  403: 'permission_error',
  404: 'invalid_request_error',
  429: 'rate_limit_exceeded',
};

interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

let sequence = 0;

/** A fake OpenAI Chat Completions + Embeddings server (`/v1/chat/completions`, `/v1/embeddings`). */
export function startFakeOpenAiUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  return startFakeServer(openAiProtocol, options);
}

const openAiProtocol: FakeProtocol = {
  answer(request, options) {
    if (request.method !== 'POST' || !isObject(request.body)) return undefined;
    const path = request.path.split('?')[0];
    if (path === '/v1/chat/completions') return chat(request.body, options.text, options.usage);
    if (path === '/v1/embeddings') return embeddings(request.body, options.embeddingDimensions);
    return undefined;
  },
  errorBody(status, code, message) {
    return { error: { message: message ?? `fake upstream error ${status}`, type: ERROR_TYPES[status] ?? 'server_error', param: null, code: code ?? null } };
  },
  streamErrorEvent(code, message) {
    return sseEvent({ error: { message: message ?? 'The server had an error while processing your request.', type: 'server_error', param: null, code: code ?? null } });
  },
};

function chat(body: Record<string, unknown>, text: string, recorded: FakeUsage | undefined): FakeAnswer {
  const id = `chatcmpl-fake-${++sequence}`;
  const created = Math.floor(Date.now() / 1000);
  const model = typeof body.model === 'string' ? body.model : 'fake-model';
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last: unknown = messages.at(-1);
  const toolCall = isObject(last) && last.role === 'tool' ? undefined : pickToolCall(body);
  const answerText = isObject(last) && last.role === 'tool' ? `The tool said: ${contentText(last.content)}` : text;
  const finishReason = toolCall ? 'tool_calls' : 'stop';
  const textPieces = toolCall ? [] : pieces(answerText);
  const usage = {
    prompt_tokens: recorded?.inputTokens ?? countTokens(messages),
    completion_tokens: recorded?.outputTokens ?? (toolCall ? countTokens(toolCall.arguments) : textPieces.length),
    total_tokens: 0,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;

  if (body.stream !== true) {
    const message = {
      role: 'assistant',
      content: toolCall ? null : answerText,
      refusal: null,
      annotations: [],
      ...(toolCall ? { tool_calls: [{ id: toolCall.id, type: 'function', function: { name: toolCall.name, arguments: toolCall.arguments } }] } : {}),
    };
    return {
      kind: 'json',
      body: { id, object: 'chat.completion', created, model, choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }], usage, service_tier: 'default' },
    };
  }

  const includeUsage = isObject(body.stream_options) && body.stream_options.include_usage === true;
  // Real OpenAI puts `usage: null` on every chunk when usage was requested.
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
    sseEvent({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      service_tier: 'default',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
    });
  const events = [chunk({ role: 'assistant', content: '', refusal: null })];
  if (toolCall) {
    events.push(chunk({ tool_calls: [{ index: 0, id: toolCall.id, type: 'function', function: { name: toolCall.name, arguments: '' } }] }));
    for (const fragment of splitInThree(toolCall.arguments)) events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: fragment } }] }));
  }
  for (const piece of textPieces) events.push(chunk({ content: piece }));
  events.push(chunk({}, finishReason));
  if (includeUsage) events.push(sseEvent({ id, object: 'chat.completion.chunk', created, model, service_tier: 'default', choices: [], usage }));
  events.push(sseEvent('[DONE]'));
  return { kind: 'sse', events };
}

/** Calls the first function tool (or the one tool_choice names) unless tool_choice is `none`. */
function pickToolCall(body: Record<string, unknown>): ToolCall | undefined {
  const tools = Array.isArray(body.tools) ? body.tools.filter((t): t is Record<string, unknown> => isObject(t) && isObject(t.function)) : [];
  if (tools.length === 0 || body.tool_choice === 'none') return undefined;
  const named = isObject(body.tool_choice) && isObject(body.tool_choice.function) ? body.tool_choice.function.name : undefined;
  const tool = tools.find((t) => isObject(t.function) && t.function.name === named) ?? tools[0];
  const fn = tool.function as Record<string, unknown>;
  return { id: `call_fake_${sequence}`, name: String(fn.name), arguments: JSON.stringify(fakeArguments(fn.parameters)) };
}

function embeddings(body: Record<string, unknown>, dimensions: number): FakeAnswer {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  // The openai SDK asks for base64 by default and decodes it itself.
  const base64 = body.encoding_format === 'base64';
  const data = inputs.map((input, index) => {
    const vector = fakeVector(JSON.stringify(input), dimensions);
    const embedding = base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
    return { object: 'embedding', index, embedding };
  });
  const promptTokens = countTokens(inputs);
  return {
    kind: 'json',
    body: { object: 'list', data, model: typeof body.model === 'string' ? body.model : 'fake-embedding', usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } },
  };
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (isObject(part) && typeof part.text === 'string' ? part.text : '')).join('');
}

function splitInThree(text: string): string[] {
  const size = Math.max(1, Math.ceil(text.length / 3));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}
