import { OpenAiHttpError } from '../errors/openai-error.js';
import type { Caller } from './caller.js';

/** 403 unless the caller's key may call `model` (an id, alias or workload name, as the client sent it). */
export function assertModelAllowed(caller: Caller | undefined, model: string): void {
  if (caller?.kind !== 'key') return;
  const allowed = caller.credential.key.allowedModels;
  if (allowed.length === 0 || allowed.includes(model)) return;
  throw new OpenAiHttpError(403, `This API key may not use model '${model}'.`, 'permission_error', 'model_not_allowed', 'model');
}

/** 403 unless the caller's key may route to `workload`; checked once the policy has classified the request. */
export function assertWorkloadAllowed(caller: Caller | undefined, workload: string): void {
  if (caller?.kind !== 'key') return;
  const allowed = caller.credential.key.allowedWorkloads;
  if (allowed.length === 0 || allowed.includes(workload)) return;
  throw new OpenAiHttpError(403, `This API key may not use workload '${workload}'.`, 'permission_error', 'workload_not_allowed', null);
}

/** The key's default workload, used when the request names none. */
export const defaultWorkloadOf = (caller: Caller | undefined): string | undefined =>
  caller?.kind === 'key' ? (caller.credential.key.defaultWorkload ?? undefined) : undefined;

/** Whether a listing may show `model` to the caller. */
export const mayListModel = (caller: Caller | undefined, model: string): boolean =>
  caller?.kind !== 'key' || caller.credential.key.allowedModels.length === 0 || caller.credential.key.allowedModels.includes(model);
