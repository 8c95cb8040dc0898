import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** One request as the fake upstream received it. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/chat/completions`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; the raw text when it was not JSON; undefined when empty. */
  body: unknown;
  /** Epoch ms when the body had been read, i.e. when the fake decided how to answer. */
  receivedAt: number;
}

/**
 * What the fake does with one request. "Chunks" are SSE events (`data: …\n\n`), counted from the
 * first one, so `{ kind: 'hang-after-chunks', chunks: 2 }` sends headers and two events, then stalls.
 */
export type FakeBehaviour =
  /**
   * Answer normally: text (this `text`, or the server's), a tool call when the request has tools, embeddings.
   * `usage` reports these token counts instead of counting the fake's own words, e.g. a recorded answer's.
   */
  | { kind: 'ok'; text?: string; usage?: FakeUsage }
  /** Answer normally after `ms`, unless the client has gone away by then (it counts as aborted). */
  | { kind: 'delay'; ms: number }
  /** An HTTP error in the protocol's own error format; `code` becomes `error.code` (OpenAI) or `error.type` (Anthropic). */
  | { kind: 'error'; status: number; code?: string; message?: string; headers?: Record<string, string> }
  /** Never send response headers. */
  | { kind: 'hang' }
  /** Stream `chunks` events, then stall without ending the response. */
  | { kind: 'hang-after-chunks'; chunks: number }
  /** Destroy the socket before any response bytes. */
  | { kind: 'drop-socket' }
  /** Stream `chunks` events, then destroy the socket. */
  | { kind: 'drop-after-chunks'; chunks: number }
  /** Stream `chunks` events, then the protocol's in-stream error event, then end the response. */
  | { kind: 'error-after-chunks'; chunks: number; code?: string; message?: string };

/** Token counts a fake reports, as a recorded upstream did. */
export interface FakeUsage {
  inputTokens: number;
  outputTokens: number;
}

export type FakeResponder = (request: RecordedRequest) => FakeBehaviour | undefined;

export interface FakeUpstreamOptions {
  /** The assistant's answer when it is not calling a tool; streamed word by word. */
  text?: string;
  /** Pause between streamed events, in ms. Default 2. */
  chunkDelayMs?: number;
  /** Dimensions of the fake embedding vectors. Default 8. */
  embeddingDimensions?: number;
  /** Decides each request's behaviour; undefined (or no responder) means `{ kind: 'ok' }`. */
  respond?: FakeResponder;
}

export interface FakeUpstream {
  /** Base URL including the version segment, e.g. `http://127.0.0.1:PORT/v1`. */
  url: string;
  port: number;
  /** Every request received, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Requests whose client went away before the response finished (fake-initiated drops excluded). */
  abortedCount(): number;
  /** Requests whose response has neither finished nor been closed; 0 once every call has settled. */
  inFlight(): number;
  /** Replaces the responder; undefined restores normal answers. */
  setBehaviour(respond: FakeResponder | undefined): void;
  /** Behaviours used, one per request, before the responder is asked. */
  enqueue(...behaviours: FakeBehaviour[]): void;
  close(): Promise<void>;
}

/** How one normal answer is made: the server's options, with the behaviour's text and usage applied. */
export type FakeAnswerSettings = Required<Omit<FakeUpstreamOptions, 'respond'>> & { usage?: FakeUsage };

/** A normal answer, produced by the protocol. */
export type FakeAnswer = { kind: 'json'; status?: number; body: unknown } | { kind: 'sse'; events: string[] };

/** What each wire format plugs into the shared server. */
export interface FakeProtocol {
  /** Returns undefined for an unknown route (the server answers 404). */
  answer(request: RecordedRequest, options: FakeAnswerSettings): FakeAnswer | undefined;
  errorBody(status: number, code: string | undefined, message: string | undefined): unknown;
  /** The protocol's error event inside a stream. */
  streamErrorEvent(code: string | undefined, message: string | undefined): string;
}

export async function startFakeServer(protocol: FakeProtocol, options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const settings = {
    text: options.text ?? 'Hello from the fake upstream. It answers in several small chunks.',
    chunkDelayMs: options.chunkDelayMs ?? 2,
    embeddingDimensions: options.embeddingDimensions ?? 8,
  };
  const requests: RecordedRequest[] = [];
  const queue: FakeBehaviour[] = [];
  let respond = options.respond;
  let aborted = 0;
  let inFlight = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let droppedByUs = false;
    inFlight++;
    res.on('close', () => {
      inFlight--;
      if (!res.writableFinished && !droppedByUs) aborted++;
    });
    const body = await readBody(req);
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body, receivedAt: Date.now() };
    requests.push(recorded);
    const behaviour = queue.shift() ?? respond?.(recorded) ?? { kind: 'ok' };
    const drop = (): void => {
      droppedByUs = true;
      res.socket?.destroy();
    };

    if (behaviour.kind === 'hang') return;
    if (behaviour.kind === 'delay') {
      const gone = new AbortController();
      res.once('close', () => gone.abort());
      await sleep(behaviour.ms, undefined, { signal: gone.signal }).catch(() => undefined);
      if (gone.signal.aborted || res.destroyed) return;
    }
    if (behaviour.kind === 'drop-socket') return drop();
    if (behaviour.kind === 'error') {
      return sendJson(res, behaviour.status, protocol.errorBody(behaviour.status, behaviour.code, behaviour.message), behaviour.headers);
    }
    const ok = behaviour.kind === 'ok' ? behaviour : undefined;
    const answer = protocol.answer(recorded, { ...settings, ...(ok?.text !== undefined && { text: ok.text }), ...(ok?.usage && { usage: ok.usage }) });
    if (!answer) return sendJson(res, 404, protocol.errorBody(404, 'not_found', `no route for ${recorded.method} ${recorded.path}`));
    if (answer.kind === 'json') return sendJson(res, answer.status ?? 200, answer.body);

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    for (let i = 0; i <= answer.events.length; i++) {
      if (res.destroyed) return;
      if (behaviour.kind === 'hang-after-chunks' && i === behaviour.chunks) return;
      if (behaviour.kind === 'drop-after-chunks' && i === behaviour.chunks) return drop();
      if (behaviour.kind === 'error-after-chunks' && i === behaviour.chunks) {
        res.end(protocol.streamErrorEvent(behaviour.code, behaviour.message));
        return;
      }
      if (i === answer.events.length) break;
      res.write(answer.events[i]);
      if (settings.chunkDelayMs > 0) await sleep(settings.chunkDelayMs);
    }
    res.end();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, protocol.errorBody(500, 'fake_upstream_bug', String(err)));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    abortedCount: () => aborted,
    inFlight: () => inFlight,
    setBehaviour: (fn) => {
      respond = fn;
    },
    enqueue: (...behaviours) => {
      queue.push(...behaviours);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Hanging requests would otherwise keep close() waiting forever.
        server.closeAllConnections();
      }),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  if (chunks.length === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** `data: <json>\n\n`, optionally with an `event:` line. */
export function sseEvent(data: unknown, event?: string): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return `${event ? `event: ${event}\n` : ''}data: ${payload}\n\n`;
}

/** Splits text into word-sized pieces that concatenate back to it. */
export function pieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [text];
}

/** A rough, deterministic token count. */
export function countTokens(value: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(value ?? '').length / 4));
}

/** Deterministic pseudo-random values in [-1, 1] derived from the text (FNV-1a + xorshift). */
export function fakeVector(text: string, dimensions: number): number[] {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  const out: number[] = [];
  for (let i = 0; i < dimensions; i++) {
    h ^= h << 13;
    h ^= h >>> 17;
    h ^= h << 5;
    h >>>= 0;
    out.push(Math.round(((h / 0xffffffff) * 2 - 1) * 1e6) / 1e6);
  }
  return out;
}

/** Arguments matching a JSON Schema's top-level properties, so a tool call looks plausible. */
export function fakeArguments(schema: unknown): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  const properties = isObject(schema) && isObject(schema.properties) ? schema.properties : {};
  for (const [name, prop] of Object.entries(properties)) {
    const type = isObject(prop) ? prop.type : undefined;
    const enumValues = isObject(prop) && Array.isArray(prop.enum) ? prop.enum : undefined;
    args[name] =
      enumValues?.[0] ?? (type === 'number' || type === 'integer' ? 1 : type === 'boolean' ? true : type === 'array' ? [] : type === 'object' ? {} : 'fake');
  }
  return args;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
