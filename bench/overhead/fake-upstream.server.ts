// The bench's fake OpenAI upstream: a raw node:http server answering every POST with one fixed chat
// completion, or a fixed SSE stream when the body asks for `"stream":true`. Built for speed (bytes
// prepared once, no JSON parse), unlike the test fake, which is built for behaviour.
// Run as its own process: `node fake-upstream.server.js <port>`; prints `listening <port>` when ready.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const created = 1_700_000_000;
const completion = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created,
    model: 'bench-upstream-model',
    choices: [{ index: 0, message: { role: 'assistant', content: 'The quick brown fox jumps over the lazy dog.' }, finish_reason: 'stop', logprobs: null }],
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
const sse = Buffer.from(
  [
    chunk({ role: 'assistant', content: '' }, null),
    ...words.map((w) => chunk({ content: w }, null)),
    chunk({}, 'stop'),
    chunk({}, null, { prompt_tokens: 24, completion_tokens: 10, total_tokens: 34 }),
    'data: [DONE]\n\n',
  ].join(''),
);
const STREAM_FLAG = Buffer.from('"stream":true');

function handle(req: IncomingMessage, res: ServerResponse): void {
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    const body = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    // Clients serialise differently ("stream": true vs "stream":true); look for both spellings.
    const stream = body.includes(STREAM_FLAG) || body.includes('"stream": true');
    if (stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'content-length': sse.length });
      res.end(sse);
    } else {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': completion.length });
      res.end(completion);
    }
  });
}

const port = Number(process.argv[2] ?? 0);
const server = createServer({ keepAliveTimeout: 60_000 }, handle);
server.listen(port, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : port}\n`);
});
