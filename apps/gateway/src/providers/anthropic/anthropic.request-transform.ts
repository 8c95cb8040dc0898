import type {
  ChatCompletionAssistantMessageParam,
  ChatCompletionContentPart,
  ChatCompletionContentPartRefusal,
  ChatCompletionContentPartText,
  ChatCompletionCreateParams,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';
import type {
  AnthropicImageSource,
  AnthropicMessageParam,
  AnthropicRequest,
  AnthropicRequestBlock,
  AnthropicTool,
  AnthropicToolChoice,
} from './anthropic.types.js';

/** Anthropic requires max_tokens; OpenAI clients usually omit it. */
export const DEFAULT_MAX_TOKENS = 4096;

/** The OpenAI request uses something Anthropic cannot express; the adapter reports it as bad_request. */
export class UnsupportedRequestError extends Error {}

const DATA_URL = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s;

/**
 * OpenAI chat request → Anthropic Messages request. Fields with no Anthropic equivalent
 * (seed, logprobs, penalties, vendor extensions, …) are dropped.
 */
export function toAnthropicRequest(body: Record<string, unknown>, upstreamModel: string, stream: boolean): AnthropicRequest {
  // The body was validated against the OpenAI request schema at the HTTP edge; this is its typed view.
  const req = body as unknown as ChatCompletionCreateParams;
  if (typeof req.n === 'number' && req.n > 1) throw new UnsupportedRequestError('n > 1 is not supported by this provider');

  const system: string[] = [];
  const messages: AnthropicMessageParam[] = [];
  // Anthropic wants alternating turns; consecutive same-role messages (tool results, then user text) become one.
  const append = (role: AnthropicMessageParam['role'], blocks: AnthropicRequestBlock[]): void => {
    if (blocks.length === 0) return;
    const last = messages.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };

  for (const message of Array.isArray(req.messages) ? req.messages : []) {
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = textOf(message.content);
        if (text) system.push(text);
        break;
      }
      case 'user':
        append('user', userBlocks(message.content));
        break;
      case 'assistant':
        append('assistant', assistantBlocks(message));
        break;
      case 'tool':
        append('user', [{ type: 'tool_result', tool_use_id: message.tool_call_id, content: textOf(message.content) }]);
        break;
      case 'function':
        throw new UnsupportedRequestError('function-role messages are not supported; use tools');
    }
  }

  const jsonInstruction = responseFormatInstruction(req.response_format);
  if (jsonInstruction) system.push(jsonInstruction);

  const out: AnthropicRequest = {
    model: upstreamModel,
    messages,
    max_tokens: req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_MAX_TOKENS,
  };
  if (system.length > 0) out.system = system.join('\n\n');
  // OpenAI accepts 0–2, Anthropic 0–1: clamping keeps a request valid when routing moves it here.
  if (typeof req.temperature === 'number') out.temperature = Math.min(1, Math.max(0, req.temperature));
  if (typeof req.top_p === 'number') out.top_p = req.top_p;
  if (typeof req.stop === 'string') out.stop_sequences = [req.stop];
  else if (Array.isArray(req.stop) && req.stop.length > 0) out.stop_sequences = req.stop;
  const user = req.safety_identifier ?? req.user;
  if (user) out.metadata = { user_id: user };
  Object.assign(out, toolsAndChoice(req.tools, req.tool_choice, req.parallel_tool_calls));
  if (stream) out.stream = true;
  return out;
}

function userBlocks(content: string | ChatCompletionContentPart[]): AnthropicRequestBlock[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  return content.flatMap((part): AnthropicRequestBlock[] => {
    switch (part.type) {
      case 'text':
        return part.text ? [{ type: 'text', text: part.text }] : [];
      case 'image_url':
        return [{ type: 'image', source: imageSource(part.image_url.url) }];
      case 'file': {
        const data = part.file.file_data ? DATA_URL.exec(part.file.file_data) : null;
        if (!data) throw new UnsupportedRequestError('file parts must carry file_data as a base64 data: URL for this provider');
        return [{ type: 'document', source: { type: 'base64', media_type: data[1], data: data[2] } }];
      }
      case 'input_audio':
        throw new UnsupportedRequestError('audio input is not supported by this provider');
    }
  });
}

function assistantBlocks(message: ChatCompletionAssistantMessageParam): AnthropicRequestBlock[] {
  const blocks: AnthropicRequestBlock[] = [];
  const text = message.content == null ? '' : textOf(message.content);
  if (text) blocks.push({ type: 'text', text });
  for (const call of message.tool_calls ?? []) {
    if (call.type !== 'function') throw new UnsupportedRequestError('custom tool calls are not supported by this provider');
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseArguments(call.function.arguments) });
  }
  return blocks;
}

function parseArguments(args: string): Record<string, unknown> {
  if (!args.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw new UnsupportedRequestError('tool_calls[].function.arguments must be valid JSON for this provider');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UnsupportedRequestError('tool_calls[].function.arguments must be a JSON object for this provider');
  }
  return parsed as Record<string, unknown>;
}

function imageSource(url: string): AnthropicImageSource {
  const data = DATA_URL.exec(url);
  if (data) return { type: 'base64', media_type: data[1], data: data[2] };
  return { type: 'url', url };
}

function textOf(content: string | Array<ChatCompletionContentPartText | ChatCompletionContentPartRefusal>): string {
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' ? part.text : part.refusal)).join('');
}

/**
 * Anthropic has no JSON mode; an instruction gets well-formed JSON in practice but nothing enforces
 * it, and a json_schema is only described to the model, not validated.
 */
function responseFormatInstruction(format: ChatCompletionCreateParams['response_format']): string | undefined {
  if (format?.type === 'json_object') return 'Respond with a single valid JSON object and nothing else: no prose, no code fences.';
  if (format?.type === 'json_schema') {
    const schema = format.json_schema.schema ? ` that conforms to this JSON Schema: ${JSON.stringify(format.json_schema.schema)}` : '';
    return `Respond with a single valid JSON value${schema}. Output only the JSON: no prose, no code fences.`;
  }
  return undefined;
}

function toolsAndChoice(
  tools: ChatCompletionTool[] | undefined,
  choice: ChatCompletionToolChoiceOption | undefined,
  parallel: boolean | undefined,
): Pick<AnthropicRequest, 'tools' | 'tool_choice'> {
  if (!tools || tools.length === 0) return {};
  let allowed: Set<string> | undefined;
  let anthropicChoice: AnthropicToolChoice | undefined;
  if (choice === 'none') anthropicChoice = { type: 'none' };
  else if (choice === 'auto') anthropicChoice = { type: 'auto' };
  else if (choice === 'required') anthropicChoice = { type: 'any' };
  else if (choice?.type === 'function') anthropicChoice = { type: 'tool', name: choice.function.name };
  else if (choice?.type === 'allowed_tools') {
    anthropicChoice = { type: choice.allowed_tools.mode === 'required' ? 'any' : 'auto' };
    allowed = new Set(choice.allowed_tools.tools.map((t) => (isNamed(t.function) ? t.function.name : undefined)).filter((n) => n !== undefined));
  } else if (choice?.type === 'custom') throw new UnsupportedRequestError('custom tools are not supported by this provider');

  const out: AnthropicTool[] = [];
  for (const tool of tools) {
    if (tool.type !== 'function') throw new UnsupportedRequestError('custom tools are not supported by this provider');
    if (allowed && !allowed.has(tool.function.name)) continue;
    const described: AnthropicTool = { name: tool.function.name, input_schema: tool.function.parameters ?? { type: 'object', properties: {} } };
    if (tool.function.description) described.description = tool.function.description;
    out.push(described);
  }
  if (parallel === false && anthropicChoice?.type !== 'none') {
    anthropicChoice = { ...(anthropicChoice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  }
  return anthropicChoice ? { tools: out, tool_choice: anthropicChoice } : { tools: out };
}

function isNamed(value: unknown): value is { name: string } {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string';
}
