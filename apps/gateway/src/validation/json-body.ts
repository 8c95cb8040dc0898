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
 * parser refuses them: copied by assignment (Object.assign, a merge), such a key sets the copy's
 * prototype instead of a property.
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
  const unsafe = unsafeJsonReason(value);
  if (unsafe) throw new JsonBodyError(`The body ${unsafe}.`);
  return value;
}

const NUL = 'contains a NUL character (\\u0000)';

/**
 * Why a parsed JSON value must not go further, phrased to follow "the body" or "the item";
 * undefined when it is fine:
 * - nested deeper than `MAX_JSON_DEPTH`;
 * - a prototype-poisoning key;
 * - a NUL character (`\u0000`) in a string or key: Postgres text and jsonb cannot hold one, so the
 *   call's span (or the admin write) would fail after the fact.
 * Walks without recursion, so the walk itself cannot overflow.
 */
export function unsafeJsonReason(root: unknown): string | undefined {
  if (typeof root === 'string') return root.includes('\u0000') ? NUL : undefined;
  const stack: { value: unknown; depth: number }[] = [{ value: root, depth: 1 }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { value, depth } = item;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_JSON_DEPTH) return `is nested more than ${MAX_JSON_DEPTH} levels deep`;
    if (Array.isArray(value)) {
      for (const element of value) {
        if (typeof element === 'string' && element.includes('\u0000')) return NUL;
        if (typeof element === 'object' && element !== null) stack.push({ value: element, depth: depth + 1 });
      }
      continue;
    }
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key];
      if (key === '__proto__') return "contains the forbidden key '__proto__'";
      if (key === 'constructor' && typeof child === 'object' && child !== null && Object.hasOwn(child, 'prototype')) return "contains the forbidden key 'constructor.prototype'";
      if (key.includes('\u0000') || (typeof child === 'string' && child.includes('\u0000'))) return NUL;
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: depth + 1 });
    }
  }
  return undefined;
}
