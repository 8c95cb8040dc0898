import { OpenAiHttpError } from '../errors/openai-error.js';

/** Who an admin action is recorded as when the caller does not say. */
export const DEFAULT_ACTOR = 'admin-api';
const ACTOR = /^[\x21-\x7e](?:[\x20-\x7e]{0,126}[\x21-\x7e])?$/;

/** The `x-switchyard-actor` header, checked: audit logs name people, so the value must be printable and short. */
export function resolveActor(header: string | undefined): string {
  const actor = header?.trim();
  if (!actor) return DEFAULT_ACTOR;
  if (!ACTOR.test(actor)) throw new OpenAiHttpError(400, 'Invalid x-switchyard-actor header: use 1-128 printable ASCII characters.', 'invalid_request_error', 'invalid_actor');
  return actor;
}
