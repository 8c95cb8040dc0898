import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { fastifyErrorToOpenAi } from './openai-error.filter.js';
import { envelope } from './openai-error.js';

/** Node's parser error codes that are not plain 400s. */
const CLIENT_ERRORS: Readonly<Record<string, { status: number; reason: string; message: string; code: string }>> = {
  HPE_HEADER_OVERFLOW: { status: 431, reason: 'Request Header Fields Too Large', message: 'The request line and headers are larger than the server accepts.', code: 'request_headers_too_large' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: 'Request Timeout', message: 'The request was not received in time.', code: 'request_timeout' },
};
const MALFORMED = { status: 400, reason: 'Bad Request', message: 'The HTTP request is malformed and could not be parsed.', code: 'invalid_http_request' };

type ServerSocket = Socket & { _httpMessage?: { headersSent?: boolean } | null };

/**
 * Fastify's `clientErrorHandler`: answers a request Node's HTTP parser refused (CRLF or NUL in a
 * header, bad framing, oversized headers) in the OpenAI envelope, where Fastify's default would
 * send its own JSON shape. No route ran, so no Nest filter sees these. The connection is closed:
 * after a framing error nothing more on it can be trusted.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const answer = (error.code && CLIENT_ERRORS[error.code]) || MALFORMED;
  // As Node does: only when no response has started on this socket, or the peer would get a corrupt one.
  const inFlight = (socket as ServerSocket)._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const body = JSON.stringify(envelope(answer.message, 'invalid_request_error', answer.code));
    socket.write(`HTTP/1.1 ${answer.status} ${answer.reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}

/**
 * Fastify's `frameworkErrors`: errors its router raises before any route (and so any Nest filter)
 * runs, such as FST_ERR_BAD_URL for a malformed percent-escape in the path.
 */
export function frameworkErrors(error: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const mapped = fastifyErrorToOpenAi(error);
  void reply.code(mapped.status).headers(mapped.headers).send(mapped.toEnvelope());
}
