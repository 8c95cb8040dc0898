import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { OpenAiHttpError } from '../errors/openai-error.js';
import { callerFingerprint } from './caller-fingerprint.js';
import '../auth/caller.js';

export const HEADER_INTERNAL = 'x-switchyard-internal';
export const HEADER_RUN_ID = 'x-switchyard-run-id';

/** Where a call came from: a client, or Switchyard's own evaluation (judge, golden run, shadow probe). */
export type CallOrigin = 'live' | 'judge' | 'golden' | 'shadow';
const INTERNAL_ORIGINS: ReadonlySet<string> = new Set(['judge', 'golden', 'shadow']);
const RUN_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

export interface CallProvenance {
  origin: CallOrigin;
  /** The golden run, or the span a shadow probe replays. */
  runId?: string;
  /** Fingerprint of the caller's key (see callerFingerprint). */
  caller?: string;
  /** The virtual key that made the call, and its tenant; absent for admin-key and open-auth calls. */
  tenantId?: string;
  virtualKeyId?: string;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Reads the internal-call marker. Only a caller holding the admin key may set it: it keeps a call
 * out of sampling and billing reports, so a client must not be able to claim it.
 */
export function provenanceOf(req: FastifyRequest, adminKey: string): CallProvenance {
  const marker = req.headers[HEADER_INTERNAL];
  if (marker === undefined) {
    const key = req.caller?.kind === 'key' ? req.caller.credential.key : undefined;
    return { origin: 'live', caller: callerFingerprint(req.headers), ...(key && { tenantId: key.tenantId, virtualKeyId: key.id }) };
  }
  const origin = Array.isArray(marker) ? marker[0] : marker;
  if (!origin || !INTERNAL_ORIGINS.has(origin)) {
    throw new OpenAiHttpError(400, `Invalid ${HEADER_INTERNAL} header: use judge, golden or shadow.`, 'invalid_request_error', 'invalid_internal_marker', null);
  }
  const presented = /^Bearer +(\S+)$/i.exec(req.headers.authorization?.trim() ?? '')?.[1];
  if (!adminKey || !presented || !timingSafeEqual(digest(presented), digest(adminKey))) {
    throw new OpenAiHttpError(403, `The ${HEADER_INTERNAL} header is reserved for Switchyard's own evaluation calls.`, 'permission_error', 'internal_call_forbidden', null);
  }
  const runHeader = req.headers[HEADER_RUN_ID];
  const runId = Array.isArray(runHeader) ? runHeader[0] : runHeader;
  if (runId !== undefined && !RUN_ID.test(runId)) {
    throw new OpenAiHttpError(400, `Invalid ${HEADER_RUN_ID} header.`, 'invalid_request_error', 'invalid_run_id', null);
  }
  return { origin: origin as CallOrigin, runId };
}
