import { createHash, timingSafeEqual } from 'node:crypto';
import { applyDecorators, type CanActivate, type ExecutionContext, Inject, Injectable, Optional, UseGuards, UseInterceptors } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TENANT_ADMIN_KEY_SECRET_PREFIX } from '@switchyard/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OpenAiHttpError } from '../errors/openai-error.js';
import { AdminAuditInterceptor } from './audit/admin-audit.interceptor.js';
import { AdminAuditService } from './audit/admin-audit.service.js';
import { AdminCredentialCache } from './auth/admin-credential.cache.js';
import { type AdminPrincipal, TENANT_ADMINS } from './auth/admin-principal.js';
import { ADMIN_KEY } from './policy-admin.tokens.js';

const BEARER = /^Bearer +(\S+)$/i;
const CHALLENGE = { 'www-authenticate': 'Bearer realm="switchyard-admin"' };

// Comparing digests keeps the comparison constant-time whatever the presented key's length.
const digest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/**
 * Admin routes need `Authorization: Bearer <key>`: the global admin key (root), or a tenant admin
 * key (`sk-sya-…`), which only opens routes marked `@TenantAdmins()` and gets 403 elsewhere.
 * Virtual keys (`sk-sy-…`) never open `/admin`. Every request it sees gets an audit event armed,
 * so refusals here are logged as well as what the handlers do.
 *
 * The credential cache and the audit log are optional so an admin module can run on its own (in
 * specs) with only ADMIN_KEY: then only the global key is known and nothing is audited.
 */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  private readonly expected: Buffer | undefined;

  constructor(
    @Inject(ADMIN_KEY) adminKey: string,
    private readonly reflector: Reflector,
    @Optional() private readonly tenantKeys?: AdminCredentialCache,
    @Optional() private readonly audit?: AdminAuditService,
  ) {
    // No key configured must not mean "any key", nor "the empty key".
    this.expected = adminKey ? digest(adminKey) : undefined;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const principal = await this.authenticate(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
    if (principal.kind === 'tenant' && !this.reflector.getAllAndOverride<boolean | undefined>(TENANT_ADMINS, [context.getHandler(), context.getClass()])) {
      throw new OpenAiHttpError(403, 'This admin endpoint needs the global admin key; a tenant admin key cannot use it.', 'permission_error', 'root_admin_required');
    }
    return true;
  }

  /** Resolves (once per request) and records who is calling, or throws the 401 to send. Also used before upload bodies are read. */
  async authenticate(req: FastifyRequest, reply: FastifyReply): Promise<AdminPrincipal> {
    this.audit?.track(req, reply);
    req.adminPrincipal ??= await this.identify(req.headers.authorization);
    return req.adminPrincipal;
  }

  /** The principal `header` proves, or throws the 401 to send. */
  async identify(header: string | undefined): Promise<AdminPrincipal> {
    if (!this.expected) throw unauthorized('The admin API is disabled: no admin key is configured.', 'admin_api_disabled');
    if (!header?.trim()) throw unauthorized("Missing admin key. Send it as 'Authorization: Bearer <admin key>'.", 'missing_admin_key');
    const presented = BEARER.exec(header.trim())?.[1];
    if (!presented) throw unauthorized("Malformed Authorization header. Send 'Authorization: Bearer <admin key>'.", 'invalid_admin_key');
    if (timingSafeEqual(digest(presented), this.expected)) return { kind: 'root' };
    if (this.tenantKeys && presented.startsWith(TENANT_ADMIN_KEY_SECRET_PREFIX)) {
      // Found by the hash of the whole secret: how long the lookup takes says nothing about how close a guess was.
      const key = await this.tenantKeys.find(presented);
      if (key) return { kind: 'tenant', tenantId: key.tenantId, keyId: key.id };
    }
    throw unauthorized('Incorrect admin key provided, or the key is revoked.', 'invalid_admin_key');
  }
}

/** Puts a controller (or route) behind the admin keys, with its changes and refusals audit-logged. */
export const AdminRoute = (): ClassDecorator & MethodDecorator => applyDecorators(UseGuards(AdminKeyGuard), UseInterceptors(AdminAuditInterceptor));

const unauthorized = (message: string, code: string): OpenAiHttpError => new OpenAiHttpError(401, message, 'authentication_error', code, null, CHALLENGE);
