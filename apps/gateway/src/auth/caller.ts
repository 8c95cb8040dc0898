import type { KeyCredential } from '@switchyard/db';

/**
 * Who is calling `/v1`: a virtual key (with its tenant's shared limits), the admin key (the
 * gateway's own evaluation traffic and operators), or anyone, when `auth: open` runs the demo.
 */
export type Caller = { kind: 'key'; credential: KeyCredential } | { kind: 'admin' } | { kind: 'open' };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by ApiKeyGuard before any `/v1` handler runs. */
    caller?: Caller;
  }
}

export const tenantOf = (caller: Caller | undefined): string | null => (caller?.kind === 'key' ? caller.credential.key.tenantId : null);
export const keyIdOf = (caller: Caller | undefined): string | null => (caller?.kind === 'key' ? caller.credential.key.id : null);
