import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { Pool } from 'undici';
import type { ProviderConfig } from '@switchyard/config';
import type { CallTarget } from '../provider.adapter.js';
import type { UpstreamErrorMapper } from './upstream-error.mapper.js';

export interface UpstreamRequest {
  target: CallTarget;
  /** Path below the provider's baseUrl, e.g. `chat/completions`. */
  endpoint: string;
  headers: Record<string, string>;
  body: string | Buffer;
  /** The caller's signal: client disconnect or the gateway's own deadline. */
  signal: AbortSignal;
}

/** Error bodies are only read for their message; a misbehaving upstream must not make us buffer megabytes. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

interface ParsedBase {
  origin: string;
  /** Path prefix without trailing slash, e.g. `/v1`. */
  prefix: string;
  /** Query string kept from the baseUrl (e.g. Azure's `?api-version=`), with its `?`. */
  search: string;
}

/**
 * The HTTP half that every wire protocol shares: one keep-alive undici Pool per upstream origin,
 * first-byte and total timeouts, caller aborts, and error classification through the mapper.
 */
export class UpstreamHttpClient {
  private readonly pools = new Map<string, Pool>();
  private readonly bases = new Map<string, ParsedBase>();

  constructor(private readonly errors: UpstreamErrorMapper) {}

  /**
   * Sends a POST and resolves once the upstream answered 2xx headers. Any failure before that
   * rejects: with the caller signal's reason when the caller aborted, else with an UpstreamError.
   */
  async send(req: UpstreamRequest): Promise<UpstreamResponse> {
    const { target } = req;
    const { provider } = target;
    req.signal.throwIfAborted();
    const base = this.base(provider);
    const lifetime = new CallLifetime(req.signal, provider.timeouts.totalMs, provider.timeouts.firstByteMs);
    try {
      const res = await this.pool(provider, base.origin).request({
        method: 'POST',
        path: `${base.prefix}/${req.endpoint}${base.search}`,
        headers: req.headers,
        body: req.body,
        signal: lifetime.signal,
        // Our own timer enforces firstByteMs precisely (undici's runs on a ~500 ms tick); this is only a backstop.
        headersTimeout: provider.timeouts.firstByteMs + 1_000,
        // Idle gap between body chunks: a stream that stalls this long is as dead as one that never started.
        bodyTimeout: provider.timeouts.firstByteMs,
      });
      const body = res.body as Readable;
      // A 2xx stream keeps the first-byte timer running until its first body chunk (UpstreamResponse stops it).
      if (res.statusCode >= 200 && res.statusCode < 300) {
        return new UpstreamResponse(res.statusCode, res.headers, body, target, lifetime, this.errors);
      }
      lifetime.firstByteArrived();
      const text = await readCapped(body, MAX_ERROR_BODY_BYTES);
      throw this.errors.fromHttp(target, res.statusCode, res.headers, text);
    } catch (err) {
      lifetime.end();
      throw lifetime.failure(err, target, this.errors, false);
    }
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  /**
   * Keyed by origin, so providers sharing a host share warm connections; the first provider
   * seen for an origin sets its connection limit and connect timeout.
   */
  private pool(provider: ProviderConfig, origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connections: provider.maxConnections, connectTimeout: provider.timeouts.connectMs });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  private base(provider: ProviderConfig): ParsedBase {
    const baseUrl = provider.baseUrl;
    if (!baseUrl) throw new Error(`provider "${provider.name}" has no baseUrl`);
    let base = this.bases.get(baseUrl);
    if (!base) {
      const url = new URL(baseUrl);
      base = { origin: url.origin, prefix: url.pathname.replace(/\/+$/, ''), search: url.search };
      this.bases.set(baseUrl, base);
    }
    return base;
  }
}

/** A 2xx upstream answer whose body is still to be read. */
export class UpstreamResponse {
  constructor(
    readonly status: number,
    readonly headers: IncomingHttpHeaders,
    private readonly body: Readable,
    private readonly target: CallTarget,
    private readonly lifetime: CallLifetime,
    private readonly errors: UpstreamErrorMapper,
  ) {}

  /** Whole body, for JSON answers. Nothing has reached the client yet, so failures stay before-first-byte. */
  async readAll(): Promise<Buffer> {
    // For a whole-body answer the headers were the first byte.
    this.lifetime.firstByteArrived();
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of this.body as AsyncIterable<Buffer>) chunks.push(chunk);
      return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    } catch (err) {
      throw this.failure(err, false);
    } finally {
      this.lifetime.end();
    }
  }

  /**
   * Body chunks as they arrive. Stopping iteration early destroys the body, which makes undici
   * abort the request and close the socket, so the upstream stops generating (and billing).
   */
  async *chunks(): AsyncGenerator<Buffer, void, undefined> {
    try {
      for await (const chunk of this.body as AsyncIterable<Buffer>) {
        this.lifetime.firstByteArrived();
        yield chunk;
      }
    } catch (err) {
      throw this.failure(err, true);
    } finally {
      if (!this.body.readableEnded) this.body.destroy();
      this.lifetime.end();
    }
  }

  /** What to throw for a failure while reading this body: the caller's abort reason, or an UpstreamError. */
  failure(err: unknown, afterFirstByte: boolean): unknown {
    return this.lifetime.failure(err, this.target, this.errors, afterFirstByte);
  }
}

/**
 * Links the caller's signal, the first-byte timeout and our total deadline into the one signal
 * undici sees. That signal is an EventEmitter, which undici accepts as well as an AbortSignal:
 * creating an AbortSignal costs ~3 us on Node 20, once per upstream call. Only undici listens to
 * it, and it needs no reason: `failure` says why the call ended.
 */
class CallLifetime {
  private readonly aborter = new EventEmitter();
  private aborted = false;
  private readonly timer: NodeJS.Timeout;
  private firstByteTimer?: NodeJS.Timeout;
  private deadlinePassed: 'total' | 'first_byte' | undefined;
  private readonly onCallerAbort = (): void => this.abort();

  constructor(
    private readonly caller: AbortSignal,
    totalMs: number,
    firstByteMs: number,
  ) {
    caller.addEventListener('abort', this.onCallerAbort, { once: true });
    // Cleared setTimeouts, not AbortSignal.timeout(): the latter keeps a timer alive per call until it fires.
    this.timer = setTimeout(() => this.expire('total'), totalMs);
    this.timer.unref();
    this.firstByteTimer = setTimeout(() => this.expire('first_byte'), firstByteMs);
    this.firstByteTimer.unref();
  }

  firstByteArrived(): void {
    if (this.firstByteTimer === undefined) return;
    clearTimeout(this.firstByteTimer);
    this.firstByteTimer = undefined;
  }

  private expire(which: 'total' | 'first_byte'): void {
    this.deadlinePassed ??= which;
    this.abort();
  }

  private abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.aborter.emit('abort');
  }

  get signal(): EventEmitter {
    return this.aborter;
  }

  end(): void {
    clearTimeout(this.timer);
    clearTimeout(this.firstByteTimer);
    this.caller.removeEventListener('abort', this.onCallerAbort);
  }

  failure(err: unknown, target: CallTarget, errors: UpstreamErrorMapper, afterFirstByte: boolean): unknown {
    // The caller decided to stop: not an upstream fault, so it is not classified.
    if (this.caller.aborted) return this.caller.reason;
    if (this.deadlinePassed) return errors.deadline(target, afterFirstByte, this.deadlinePassed);
    return errors.fromTransport(target, err, afterFirstByte);
  }
}

async function readCapped(body: Readable, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= maxBytes) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}
