import { randomBytes } from 'node:crypto';

/**
 * `<prefix>_`, the creation time in ms (base 36, fixed width so ids sort by time as strings), then
 * 64 random bits so ids minted in the same ms by different processes do not collide.
 */
export const newRowId = (prefix: string, now: number = Date.now()): string => `${prefix}_${now.toString(36).padStart(10, '0')}${randomBytes(8).toString('hex')}`;
