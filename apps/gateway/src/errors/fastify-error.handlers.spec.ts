import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { errorEnvelopeSchema } from '@switchyard/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientErrorHandler } from './fastify-error.handlers.js';
import { fastifyErrorToOpenAi } from './openai-error.filter.js';

/** Writes raw bytes and reads until the server closes the connection. */
const exchange = (port: number, bytes: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', (err) => (answer ? undefined : reject(err)));
    socket.on('close', () => resolve(answer));
    socket.end(bytes);
  });

const parse = (raw: string): { status: number; headers: string; body: unknown } => {
  const split = raw.indexOf('\r\n\r\n');
  return { status: Number(raw.slice(9, 12)), headers: raw.slice(0, split).toLowerCase(), body: JSON.parse(raw.slice(split + 4)) as unknown };
};

describe('clientErrorHandler (Node parser errors in the OpenAI envelope)', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    // A real Node server: these errors happen in its HTTP parser, before any framework sees a request.
    server = createServer({ maxHeaderSize: 1024 }, (_req, res) => res.end('ok'));
    server.on('clientError', clientErrorHandler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it.each([
    ['a bare CR in a header value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rX-Injected: 1\r\n\r\n'],
    ['a NUL in a header value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n'],
    ['a garbage request line', 'GARBAGE\r\n\r\n'],
    ['two Content-Lengths', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'],
  ])('answers %s with a 400 invalid_http_request envelope and closes', async (_name, request) => {
    const answer = parse(await exchange(port, request));
    expect(answer.status).toBe(400);
    expect(answer.headers).toContain('connection: close');
    expect(errorEnvelopeSchema.parse(answer.body).error).toEqual({ message: expect.any(String) as unknown, type: 'invalid_request_error', code: 'invalid_http_request', param: null });
    expect(answer.headers).not.toContain('x-injected');
  });

  it('answers oversized headers with a 431', async () => {
    const answer = parse(await exchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(4096)}\r\n\r\n`));
    expect(answer.status).toBe(431);
    expect(errorEnvelopeSchema.parse(answer.body).error.code).toBe('request_headers_too_large');
  });
});

describe('fastifyErrorToOpenAi for router errors', () => {
  it('maps FST_ERR_BAD_URL to a 400 invalid_url that does not echo the path', () => {
    const mapped = fastifyErrorToOpenAi({ code: 'FST_ERR_BAD_URL', statusCode: 400, message: "'/admin/%E0%A4%A' is not a valid url component" });
    expect(mapped.toEnvelope().error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_url' });
    expect(mapped.status).toBe(400);
    expect(mapped.message).not.toContain('%E0');
  });
});
