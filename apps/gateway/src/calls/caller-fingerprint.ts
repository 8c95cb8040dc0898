import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * A stable fingerprint of the key a request was made with (never the key itself), so later
 * feedback on that answer can be required to come with the same key.
 */
export function callerFingerprint(headers: IncomingHttpHeaders): string | undefined {
  const key = /^Bearer +(\S+)$/i.exec(headers.authorization?.trim() ?? '')?.[1];
  return key ? createHash('sha256').update(key).digest('hex').slice(0, 32) : undefined;
}
