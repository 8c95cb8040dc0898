const FENCE = /```[\w-]*[^\S\n]*\n([\s\S]*?)\n?[^\S\n]*```/u;

export type JsonParse = { ok: true; value: unknown; fenced: boolean } | { ok: false; error: string; fenced: boolean };

/**
 * Parses a model's output as JSON. With `allowCodeFence`, the first fenced block
 * (```json ... ```) is parsed when there is one, since chat models wrap JSON in one by habit.
 */
export function parseJsonOutput(output: string, allowCodeFence: boolean): JsonParse {
  const fence = allowCodeFence ? FENCE.exec(output) : null;
  const text = fence ? (fence[1] ?? '') : output;
  const fenced = fence !== null;
  try {
    return { ok: true, value: JSON.parse(text), fenced };
  } catch (error) {
    // V8's message quotes the start of the text; keep only what says where it broke.
    const message = error instanceof Error ? error.message.replace(/, ".*" is not valid JSON$/su, '').slice(0, 120) : 'not JSON';
    return { ok: false, error: message, fenced };
  }
}
