import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { OpenAiHttpError } from '../../errors/openai-error.js';

/**
 * Who is calling `/admin`: the global admin key (`root`, everything), or a tenant admin key (its
 * own tenant's data only, on the routes marked `@TenantAdmins()`).
 */
export type AdminPrincipal = { kind: 'root' } | { kind: 'tenant'; tenantId: string; keyId: string };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by AdminKeyGuard (or the upload key check) before any admin handler runs. */
    adminPrincipal?: AdminPrincipal;
  }
}

/** Null for the global admin: every tenant. Otherwise the one tenant the caller may see. */
export const tenantScopeOf = (principal: AdminPrincipal): string | null => (principal.kind === 'tenant' ? principal.tenantId : null);

/**
 * The tenant a request means: the global admin's `requested` (null when it names none), or a
 * tenant admin's own tenant. A tenant admin naming another tenant is refused whether or not that
 * tenant exists, so the answer says nothing about it.
 */
export function requestedTenant(principal: AdminPrincipal, requested: string | undefined): string | null {
  if (principal.kind === 'root') return requested ?? null;
  if (requested !== undefined && requested !== principal.tenantId) {
    throw new OpenAiHttpError(403, "A tenant admin key can only act on its own tenant's data.", 'permission_error', 'tenant_scope', 'tenantId');
  }
  return principal.tenantId;
}

/** Routes without it are for the global admin key alone; tenant admin keys get 403 there. */
export const TENANT_ADMINS = 'switchyard:tenant-admins';

/**
 * Lets tenant admin keys call the route (or every route of the controller). The handler must then
 * scope what it reads and writes to `tenantScopeOf(principal)`.
 */
export const TenantAdmins = (): MethodDecorator & ClassDecorator => SetMetadata(TENANT_ADMINS, true);

/** The caller, as AdminKeyGuard resolved it. */
export const CurrentAdmin = createParamDecorator((_data: unknown, context: ExecutionContext): AdminPrincipal => {
  const principal = context.switchToHttp().getRequest<FastifyRequest>().adminPrincipal;
  // Only reachable on a route that forgot the guard: fail closed.
  if (!principal) throw new OpenAiHttpError(401, 'Admin authentication did not run for this route.', 'authentication_error', 'missing_admin_key');
  return principal;
});
