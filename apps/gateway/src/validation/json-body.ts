/**
 * How deep a request body may nest. Real requests stay far below it (a chat request with a JSON
 * schema tool is about 15 levels; OpenAI itself caps structured-output schemas at 10 levels of
 * objects), and everything downstream that walks a body recursively (JSON.stringify for the
 * upstream call and the span, zod's `z.json()`) overflows the stack a few thousand levels down.
 * V8's JSON.parse is iterative, so without this check a 256 KB body of `[` parses fine and then
 * crashes whatever walks it next.
 */
export const MAX_JSON_DEPTH = 64;

/** Why a body was refused; the gateway answers it as a 400 `invalid_json`. */
export class JsonBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonBodyError';
  }
}

// fatal: invalid UTF-8 is refused rather than silently turned into U+FFFD and sent upstream.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses a request body as strict JSON: valid UTF-8, nested at most `MAX_JSON_DEPTH` levels, and
 * with no prototype-poisoning keys (`__proto__`, or `constructor.prototype`), as Fastify's own
 * parser refuses them. Our bodies are copied and merged in places, where such a key would reach
 * Object.prototype.
 */
export function parseJsonBody(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new JsonBodyError('The body is not valid UTF-8.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    throw new JsonBodyError((err as Error).message);
  }
  assertSafeShape(value);
  return value;
}

/** Walks the parsed value without recursion, so the walk itself cannot overflow. */
function assertSafeShape(root: unknown): void {
  const stack: { value: unknown; depth: number }[] = [{ value: root, depth: 1 }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { value, depth } = item;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_JSON_DEPTH) throw new JsonBodyError(`The body is nested more than ${MAX_JSON_DEPTH} levels deep.`);
    if (Array.isArray(value)) {
      for (const element of value) if (typeof element === 'object' && element !== null) stack.push({ value: element, depth: depth + 1 });
      continue;
    }
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key];
      if (key === '__proto__' || (key === 'constructor' && typeof child === 'object' && child !== null && Object.hasOwn(child, 'prototype'))) {
        throw new JsonBodyError(`The body contains the forbidden key '${key === '__proto__' ? '__proto__' : 'constructor.prototype'}'.`);
      }
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: depth + 1 });
    }
  }
}
