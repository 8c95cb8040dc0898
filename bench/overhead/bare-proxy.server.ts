// The floor any Node gateway can reach here: Fastify takes the body as bytes, undici's Pool sends it
// upstream, and the upstream body is streamed back as is. No auth, routing, spans or parsing.
// Run as its own process: `node bare-proxy.server.js <port> <upstream origin>`; prints `listening <port>`.
import Fastify from 'fastify';
import { Pool } from 'undici';

const [portArg, upstream] = process.argv.slice(2);
if (!upstream) throw new Error('usage: bare-proxy.server.js <port> <upstream origin>');
const pool = new Pool(upstream, { connections: 128, pipelining: 1 });
const app = Fastify({ logger: false });
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

app.post('/v1/chat/completions', async (req, reply) => {
  const res = await pool.request({
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' },
    body: req.body as Buffer,
  });
  const type = res.headers['content-type'];
  return reply.code(res.statusCode).header('content-type', typeof type === 'string' ? type : 'application/json').send(res.body);
});

app.listen({ port: Number(portArg ?? 0), host: '127.0.0.1' }).then(
  () => {
    const addr = app.server.address();
    process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : portArg}\n`);
  },
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
