// The bench's fake OpenAI upstream: a raw node:http server answering every POST with one fixed chat
// completion, or a fixed SSE stream when the body asks for `"stream":true`. Built for speed (bytes
// prepared once, no JSON parse), unlike the test fake, which is built for behaviour.
// Run as its own process: `node fake-upstream.server.js <port>`; prints `listening <port>` when ready.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { FAKE_COMPLETION as completion, FAKE_SSE as sse } from './fake-upstream.bodies.js';

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
