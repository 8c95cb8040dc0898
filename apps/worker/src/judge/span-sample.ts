import type { SpanRow } from '@switchyard/db';
import type { JudgeSample } from './llm-judge.service.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const textOf = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content.map((p) => (isObject(p) ? (typeof p.text === 'string' ? p.text : `[${String(p.type)}]`) : '')).join('')
      : '';

/** The conversation as the judge reads it: one `role: text` block per message. */
export function renderConversation(messages: unknown): string {
  if (typeof messages === 'string') return messages;
  if (!Array.isArray(messages)) return '';
  return messages
    .filter(isObject)
    .map((m) => {
      const calls = Array.isArray(m.tool_calls) ? `\n[tool calls] ${JSON.stringify(m.tool_calls)}` : '';
      return `${String(m.role)}: ${textOf(m.content)}${calls}`;
    })
    .join('\n\n');
}

/** The assistant's answer in an OpenAI chat completion body: its text, or its tool calls. */
export function answerText(response: unknown): string | undefined {
  if (!isObject(response) || !Array.isArray(response.choices)) return undefined;
  const choice: unknown = response.choices[0];
  if (!isObject(choice) || !isObject(choice.message)) return undefined;
  const text = textOf(choice.message.content);
  const calls = Array.isArray(choice.message.tool_calls) ? JSON.stringify(choice.message.tool_calls) : '';
  return text || calls ? [text, calls].filter(Boolean).join('\n') : undefined;
}

/** What the judge needs from a stored span; undefined when its bodies were not stored (redaction). */
export function sampleOfSpan(span: SpanRow): JudgeSample | undefined {
  if (!isObject(span.requestBody)) return undefined;
  const output = answerText(span.responseBody);
  if (output === undefined) return undefined;
  return { input: renderConversation(span.requestBody.messages), output };
}
