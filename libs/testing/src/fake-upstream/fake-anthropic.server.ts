import {
  countTokens,
  fakeArguments,
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

/** Anthropic's error `type` for each status it documents. */
const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

let sequence = 0;

/** A fake Anthropic Messages API server (`POST /v1/messages`). */
export function startFakeAnthropicUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  return startFakeServer(anthropicProtocol, options);
}

const anthropicProtocol: FakeProtocol = {
  answer(request, options) {
    if (request.method !== 'POST' || request.path.split('?')[0] !== '/v1/messages' || !isObject(request.body)) return undefined;
    return messages(request.body, options.text, options.usage);
  },
  errorBody(status, code, message) {
    return { type: 'error', error: { type: code ?? ERROR_TYPES[status] ?? 'api_error', message: message ?? `fake upstream error ${status}` } };
  },
  streamErrorEvent(code, message) {
    return sseEvent({ type: 'error', error: { type: code ?? 'overloaded_error', message: message ?? 'Overloaded' } }, 'error');
  },
};

function messages(body: Record<string, unknown>, text: string, recorded: FakeUsage | undefined): FakeAnswer {
  const id = `msg_fake_${++sequence}`;
  const model = typeof body.model === 'string' ? body.model : 'claude-fake';
  const history = Array.isArray(body.messages) ? body.messages : [];
  const toolResult = lastToolResult(history.at(-1));
  const tool = toolResult === undefined ? pickTool(body) : undefined;
  const blocks: Block[] = tool
    ? [
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: `toolu_fake_${sequence}`, name: tool.name, input: fakeArguments(tool.schema) },
      ]
    : [{ type: 'text', text: toolResult === undefined ? text : `The tool said: ${toolResult}` }];
  const stopReason = tool ? 'tool_use' : 'end_turn';
  const inputTokens = recorded?.inputTokens ?? countTokens([body.system, history]);
  const outputTokens = recorded?.outputTokens ?? blocks.reduce((n, b) => n + (b.type === 'text' ? pieces(b.text).length : countTokens(b.input)), 0);
  const usage = { input_tokens: inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: outputTokens };

  if (body.stream !== true) {
    return {
      kind: 'json',
      body: { id, type: 'message', role: 'assistant', model, content: blocks, stop_reason: stopReason, stop_sequence: null, usage },
    };
  }

  const events = [
    sseEvent(
      {
        type: 'message_start',
        message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
      },
      'message_start',
    ),
  ];
  blocks.forEach((block, index) => {
    if (block.type === 'text') {
      events.push(sseEvent({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }, 'content_block_start'));
      if (index === 0) events.push(sseEvent({ type: 'ping' }, 'ping'));
      for (const piece of pieces(block.text)) {
        events.push(sseEvent({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } }, 'content_block_delta'));
      }
    } else {
      events.push(sseEvent({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } }, 'content_block_start'));
      const json = JSON.stringify(block.input);
      const half = Math.ceil(json.length / 2);
      for (const partial of ['', json.slice(0, half), json.slice(half)]) {
        events.push(sseEvent({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: partial } }, 'content_block_delta'));
      }
    }
    events.push(sseEvent({ type: 'content_block_stop', index }, 'content_block_stop'));
  });
  events.push(
    sseEvent({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } }, 'message_delta'),
    sseEvent({ type: 'message_stop' }, 'message_stop'),
  );
  return { kind: 'sse', events };
}

/** The text of the tool_result blocks when the last message is the user returning tool results. */
function lastToolResult(message: unknown): string | undefined {
  if (!isObject(message) || message.role !== 'user' || !Array.isArray(message.content)) return undefined;
  const results = message.content.filter((b): b is Record<string, unknown> => isObject(b) && b.type === 'tool_result');
  if (results.length === 0) return undefined;
  return results.map((b) => (typeof b.content === 'string' ? b.content : Array.isArray(b.content) ? b.content.map((c) => (isObject(c) && typeof c.text === 'string' ? c.text : '')).join('') : '')).join('\n');
}

function pickTool(body: Record<string, unknown>): { name: string; schema: unknown } | undefined {
  const tools = Array.isArray(body.tools) ? body.tools.filter((t): t is Record<string, unknown> => isObject(t) && typeof t.name === 'string') : [];
  const choice = isObject(body.tool_choice) ? body.tool_choice : undefined;
  if (tools.length === 0 || choice?.type === 'none') return undefined;
  const tool = tools.find((t) => choice?.type === 'tool' && t.name === choice.name) ?? tools[0];
  return { name: String(tool.name), schema: tool.input_schema };
}
