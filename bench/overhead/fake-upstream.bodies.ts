// What the bench's fake upstream answers, prepared once as bytes.
const created = 1_700_000_000;
/** The fixed chat completion. */
export const FAKE_COMPLETION = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created,
    model: 'bench-upstream-model',
    choices: [{ index: 0, message: { role: 'assistant', content: 'The quick brown fox jumps over the lazy dog.', refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 24, completion_tokens: 10, total_tokens: 34 },
  }),
);

const chunk = (delta: Record<string, unknown>, finish: string | null, usage?: Record<string, number>): string =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created,
    model: 'bench-upstream-model',
    choices: usage ? [] : [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    ...(usage && { usage }),
  })}\n\n`;
const words = ['The', ' quick', ' brown', ' fox', ' jumps', ' over', ' the', ' lazy', ' dog', '.'];
/** The fixed stream: a role chunk, ten content chunks, the finish chunk, a usage chunk and [DONE]. */
export const FAKE_SSE = Buffer.from(
  [
    chunk({ role: 'assistant', content: '' }, null),
    ...words.map((w) => chunk({ content: w }, null)),
    chunk({}, 'stop'),
    chunk({}, null, { prompt_tokens: 24, completion_tokens: 10, total_tokens: 34 }),
    'data: [DONE]\n\n',
  ].join(''),
);
