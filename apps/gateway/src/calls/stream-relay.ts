import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { StreamResult } from '../providers/provider.adapter.js';
import { UpstreamError } from '../providers/upstream.error.js';
import type { GatewayCall } from './gateway-call.js';

/** Keep at most this much of a stream for the span; the client still gets everything. */
const CAPTURE_LIMIT_BYTES = 2 * 1024 * 1024;

const waitForDrain = async (raw: ServerResponse, signal: AbortSignal): Promise<void> => {
  if (signal.aborted) return;
  // 'close' ends the wait too: a client that leaves never drains.
  await Promise.race([once(raw, 'drain'), once(raw, 'close')]);
};

/**
 * Takes the response over from Fastify and sends the SSE headers (with those already set on the
 * reply, e.g. the span id): the body is written by hand from here on.
 */
export function startEventStream(reply: FastifyReply): FastifyReply['raw'] {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    // Keeps nginx and similar proxies from buffering the stream.
    'x-accel-buffering': 'no',
  });
  return raw;
}

/**
 * Writes an upstream SSE stream to the client byte for byte, with backpressure. Failures after the
 * first byte cannot fall back any more, so they end the stream with an OpenAI-style error event.
 */
export async function relayStream(reply: FastifyReply, call: GatewayCall, result: StreamResult): Promise<void> {
  const raw = startEventStream(reply);
  const captured: Uint8Array[] = [];
  let capturedBytes = 0;
  try {
    for await (const chunk of result.chunks) {
      if (capturedBytes < CAPTURE_LIMIT_BYTES) {
        captured.push(chunk);
        capturedBytes += chunk.length;
      }
      if (!raw.write(chunk)) await waitForDrain(raw, call.signal);
      if (call.signal.aborted) break;
    }
    if (call.signal.aborted) call.failed(call.signal.reason);
  } catch (err) {
    if (call.signal.aborted) {
      call.failed(err);
    } else {
      const errorClass = err instanceof UpstreamError ? err.errorClass : 'internal';
      const message = err instanceof UpstreamError ? `The upstream stream failed after it started: ${err.message}` : 'The gateway failed while streaming.';
      call.brokeMidStream(errorClass, message, err instanceof UpstreamError ? err.errorClass : undefined);
      if (!raw.writableEnded && !raw.destroyed) {
        raw.write(`data: ${JSON.stringify({ error: { message, type: 'upstream_error', code: 'stream_interrupted', param: null } })}\n\n`);
      }
    }
  } finally {
    if (!raw.writableEnded && !raw.destroyed) raw.end();
    call.finish(captured);
  }
}
