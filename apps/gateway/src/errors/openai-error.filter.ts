import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { ErrorType } from '@switchyard/contracts';
import type { FastifyReply } from 'fastify';
import { envelope, OpenAiHttpError } from './openai-error.js';

const typeForStatus = (status: number): ErrorType => {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
};

/** Every error leaves the gateway in OpenAI's envelope, whatever threw it. */
@Catch()
export class OpenAiErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(OpenAiErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    sendOpenAiError(exception, host.switchToHttp().getResponse<FastifyReply>(), this.logger);
  }
}

/**
 * Answers whatever was thrown in OpenAI's envelope: the exception filter's body, shared with the
 * plain Fastify routes that bypass Nest's pipeline (`/v1/chat/completions`).
 */
export function sendOpenAiError(exception: unknown, reply: FastifyReply, logger: Logger): void {
  if (reply.sent || reply.raw.headersSent) {
    // A stream already started: nothing more can be said in-band by a filter.
    if (!reply.raw.writableEnded) reply.raw.end();
    return;
  }
  if (exception instanceof OpenAiHttpError) {
    void reply.status(exception.status).headers(exception.headers).send(exception.toEnvelope());
    return;
  }
  // Nest wraps Fastify's own errors (size limit, parsing) in an HttpException; the cause says which.
  const fastifyError = isFastifyError(exception) ? exception : exception instanceof HttpException && isFastifyError(exception.cause) ? exception.cause : undefined;
  if (fastifyError) {
    const mapped = fastifyErrorToOpenAi(fastifyError);
    void reply.status(mapped.status).send(mapped.toEnvelope());
    return;
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const message = status === 404 ? 'Unknown request URL. Please check the URL and method.' : exception.message;
    // OpenAI answers an unknown URL as an invalid request, not a not-found error.
    void reply.status(status).send(envelope(message, status === 404 ? 'invalid_request_error' : typeForStatus(status), status === 404 ? 'unknown_url' : null));
    return;
  }
  // The client hung up before its body was read (a reset, or a framing error that closed the socket):
  // nobody is left to answer, and the gateway did nothing wrong, so no error log.
  if (isClientAbort(exception, reply)) return;
  logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
  void reply.status(500).send(envelope('The gateway failed to process the request.', 'server_error', 'internal_error'));
}

/** Node's error for a request whose connection closed mid-body (ConnResetException 'aborted'). */
const isClientAbort = (e: unknown, reply: FastifyReply): boolean =>
  e instanceof Error && (e as { code?: unknown }).code === 'ECONNRESET' && reply.raw.socket?.destroyed !== false;

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message: string;
}

const isFastifyError = (e: unknown): e is FastifyLikeError =>
  e instanceof Error && typeof (e as FastifyLikeError).code === 'string' && (e as FastifyLikeError).code!.startsWith('FST_');

/** Maps errors raised by Fastify itself (body parsing, limits) before any route runs. */
export function fastifyErrorToOpenAi(error: FastifyLikeError): OpenAiHttpError {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
  switch (error.code ?? '') {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new OpenAiHttpError(413, 'Request body is larger than the configured limit.', 'invalid_request_error', 'request_too_large');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new OpenAiHttpError(400, `We could not parse the JSON body of your request: ${error.message}`, 'invalid_request_error', 'invalid_json');
    case 'FST_ERR_BAD_URL':
      // The path is not echoed: it is the malformed part, and can be long.
      return new OpenAiHttpError(400, 'The request URL is malformed: it has an invalid percent-encoded sequence.', 'invalid_request_error', 'invalid_url');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new OpenAiHttpError(415, 'Unsupported content type; send application/json.', 'invalid_request_error', 'unsupported_media_type');
    default:
      return new OpenAiHttpError(status, status >= 500 ? 'The gateway failed to process the request.' : error.message, typeForStatus(status));
  }
}
