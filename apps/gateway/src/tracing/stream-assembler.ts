interface AssembledToolCall {
  id?: string;
  type: 'function';
  function: { name: string; arguments: string };
}
interface AssembledChoice {
  index: number;
  message: { role: 'assistant'; content: string | null; tool_calls?: AssembledToolCall[] };
  finish_reason: string | null;
}

interface ChunkDelta {
  content?: string | null;
  tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[];
}
interface Chunk {
  id?: string;
  model?: string;
  choices?: { index: number; delta?: ChunkDelta; finish_reason?: string | null }[];
  usage?: unknown;
  error?: unknown;
}

/**
 * Rebuilds a chat.completion-shaped record from the SSE bytes that were streamed to the client,
 * so streamed and non-streamed spans can be judged the same way later.
 */
export interface AssembledStream {
  response: Record<string, unknown>;
  /** Content-bearing deltas seen; about one token each, used when the stream ended without usage. */
  deltaCount: number;
}

export function assembleStreamedResponse(chunks: Uint8Array[]): AssembledStream {
  const text = Buffer.concat(chunks).toString('utf8');
  const choices = new Map<number, AssembledChoice>();
  let id: string | undefined;
  let model: string | undefined;
  let usage: unknown = null;
  let error: unknown;
  let deltaCount = 0;
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).trimStart())
      .join('\n');
    if (!data || data === '[DONE]') continue;
    let chunk: Chunk;
    try {
      chunk = JSON.parse(data) as Chunk;
    } catch {
      continue;
    }
    if (chunk.error) error = chunk.error;
    id ??= chunk.id;
    model ??= chunk.model;
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices ?? []) {
      let choice = choices.get(c.index);
      if (!choice) {
        choice = { index: c.index, message: { role: 'assistant', content: null }, finish_reason: null };
        choices.set(c.index, choice);
      }
      if (c.delta?.content || c.delta?.tool_calls?.length) deltaCount++;
      if (typeof c.delta?.content === 'string') choice.message.content = (choice.message.content ?? '') + c.delta.content;
      for (const tc of c.delta?.tool_calls ?? []) {
        const calls = (choice.message.tool_calls ??= []);
        const call = (calls[tc.index] ??= { type: 'function', function: { name: '', arguments: '' } });
        if (tc.id) call.id = tc.id;
        if (tc.function?.name) call.function.name += tc.function.name;
        if (tc.function?.arguments) call.function.arguments += tc.function.arguments;
      }
      if (c.finish_reason) choice.finish_reason = c.finish_reason;
    }
  }
  const record: Record<string, unknown> = { id, object: 'chat.completion', model, streamed: true, choices: [...choices.values()], usage };
  if (error !== undefined) record['error'] = error;
  return { response: record, deltaCount };
}
