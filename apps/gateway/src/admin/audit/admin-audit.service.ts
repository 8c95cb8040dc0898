import { Injectable, Logger } from '@nestjs/common';
import { AdminAuditRepository, type NewAdminAuditEvent } from '@switchyard/db';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_ACTOR, resolveActor } from '../admin-actor.js';

const MUTATING: ReadonlySet<string> = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
const REFUSED: ReadonlySet<number> = new Set([401, 403]);
const MAX_PATH = 1_024;
const MAX_TARGET = 256;
const UNAUTHENTICATED = 'unauthenticated';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once the request's audit event is pending; see AdminAuditService.track. */
    adminAudit?: { targetId?: string };
  }
}

/**
 * Writes the admin audit log: one event for every change (POST, PATCH, PUT, DELETE), whatever
 * its outcome, and for every refusal (401, 403). The event is written when the response has been
 * sent, so it records the status the caller really got, whichever layer (guard, pipe, handler,
 * filter) decided it. A failed write is logged and counted, never turned into a failed request.
 */
@Injectable()
export class AdminAuditService {
  private readonly logger = new Logger(AdminAuditService.name);
  private failures = 0;

  constructor(private readonly events: AdminAuditRepository) {}

  /** Audit writes that failed since start. */
  get failedWrites(): number {
    return this.failures;
  }

  /** Arms the request's audit event; idempotent, so the upload key check and the guard may both call it. */
  track(req: FastifyRequest, reply: FastifyReply): void {
    if (req.adminAudit) return;
    const pending: { targetId?: string } = {};
    req.adminAudit = pending;
    reply.raw.once('finish', () => {
      const status = reply.raw.statusCode;
      if (!MUTATING.has(req.method) && !REFUSED.has(status)) return;
      void this.write(eventOf(req, status, pending.targetId));
    });
  }

  async write(event: NewAdminAuditEvent): Promise<void> {
    try {
      await this.events.append(event);
    } catch (err) {
      this.failures += 1;
      this.logger.warn(`admin audit event not stored (${this.failures} so far): ${event.method} ${event.path} ${event.statusCode}: ${(err as Error).message}`);
    }
  }
}

/** What is kept of a request: who, what route, which target, what answer. Never a body, a header value but the actor, nor a query string. */
function eventOf(req: FastifyRequest, status: number, resultId: string | undefined): NewAdminAuditEvent {
  const principal = req.adminPrincipal;
  const params = (req.params ?? {}) as Record<string, unknown>;
  const fromPath = typeof params['id'] === 'string' ? params['id'] : typeof params['name'] === 'string' ? params['name'] : undefined;
  return {
    actor: actorOf(req),
    principalKind: principal?.kind ?? 'none',
    tenantId: principal?.kind === 'tenant' ? principal.tenantId : null,
    adminKeyId: principal?.kind === 'tenant' ? principal.keyId : null,
    method: req.method,
    route: req.routeOptions.url ?? null,
    path: (req.url.split('?')[0] ?? '').slice(0, MAX_PATH),
    statusCode: status,
    // A decoded `%00` in a path id would make Postgres refuse the whole event, so it is written as U+FFFD.
    targetId: (fromPath ?? resultId ?? null)?.slice(0, MAX_TARGET).replaceAll('\u0000', '\uFFFD') ?? null,
  };
}

/**
 * The actor header when it is valid; otherwise the tenant admin key's id, or the default. A caller
 * who did not authenticate gets no say in what the log calls them.
 */
function actorOf(req: FastifyRequest): string {
  if (!req.adminPrincipal) return UNAUTHENTICATED;
  const header = req.headers['x-switchyard-actor'];
  const fallback = req.adminPrincipal?.kind === 'tenant' ? req.adminPrincipal.keyId : DEFAULT_ACTOR;
  try {
    const actor = resolveActor(typeof header === 'string' ? header : undefined);
    return actor === DEFAULT_ACTOR ? fallback : actor;
  } catch {
    return fallback;
  }
}
