import { createHash, randomBytes } from 'node:crypto';

const SECRET_BYTES = 32;
/** 8 base64url characters tell keys apart and still leave 208 secret bits unshown. */
const DISPLAY_CHARS = 8;

/** A freshly minted credential: the secret (shown once), its display prefix and its stored hash. */
export interface MintedSecret {
  secret: string;
  prefix: string;
  secretHash: string;
}

/**
 * Hex SHA-256 of a secret: how credential tables store and index it. A fast hash is enough for
 * 256 random bits (guessing one from its hash is hopeless); a slow KDF would only add latency to
 * every request that looks a key up.
 */
export const hashSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

/** `<kind prefix>` + 32 random bytes in base64url, e.g. `sk-sy-…`, so scanners and humans recognise a leaked one. */
export function mintSecret(kindPrefix: string): MintedSecret {
  const secret = `${kindPrefix}${randomBytes(SECRET_BYTES).toString('base64url')}`;
  return { secret, prefix: secret.slice(0, kindPrefix.length + DISPLAY_CHARS), secretHash: hashSecret(secret) };
}

/** Whether a presented string could be a secret of this kind at all: anything else is not worth hashing or a query. */
export const isSecretShaped = (kindPrefix: string, presented: string): boolean =>
  presented.length === kindPrefix.length + Math.ceil((SECRET_BYTES * 4) / 3) && presented.startsWith(kindPrefix);
