import type { ExecutionContext } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { OpenAiHttpError } from '../errors/openai-error.js';
import { AdminKeyGuard } from './admin-key.guard.js';

const KEY = 'sy-admin-0123456789abcdef';

const contextWith = (headers: Record<string, string>): ExecutionContext =>
  ({ switchToHttp: () => ({ getRequest: () => ({ headers }) }) }) as unknown as ExecutionContext;

/** The error the guard throws for these headers, or undefined when it lets the request through. */
const rejection = (guard: AdminKeyGuard, headers: Record<string, string>): OpenAiHttpError | undefined => {
  try {
    expect(guard.canActivate(contextWith(headers))).toBe(true);
    return undefined;
  } catch (error) {
    if (error instanceof OpenAiHttpError) return error;
    throw error;
  }
};

describe('AdminKeyGuard', () => {
  const guard = new AdminKeyGuard(KEY);

  it('lets the admin key through as a bearer token, whatever the scheme case', () => {
    expect(rejection(guard, { authorization: `Bearer ${KEY}` })).toBeUndefined();
    expect(rejection(guard, { authorization: `bearer ${KEY}` })).toBeUndefined();
    expect(rejection(guard, { authorization: `  BEARER  ${KEY} ` })).toBeUndefined();
  });

  it('answers 401 in the OpenAI envelope, with a bearer challenge, when the key is missing', () => {
    const cases: Record<string, string>[] = [{}, { authorization: '' }, { authorization: '   ' }];
    for (const headers of cases) {
      const error = rejection(guard, headers);
      expect(error?.status).toBe(401);
      expect(error?.toEnvelope()).toEqual({ error: { message: expect.stringContaining('Missing admin key') as string, type: 'authentication_error', code: 'missing_admin_key', param: null } });
      expect(error?.headers).toEqual({ 'www-authenticate': 'Bearer realm="switchyard-admin"' });
    }
  });

  it('refuses any other key, including ones that share a prefix with it', () => {
    for (const presented of ['wrong', KEY.slice(0, -1), `${KEY}x`, KEY.toUpperCase(), `x${KEY}`]) {
      const error = rejection(guard, { authorization: `Bearer ${presented}` });
      expect(error?.status, presented).toBe(401);
      expect(error?.code).toBe('invalid_admin_key');
      expect(error?.message).not.toContain(presented);
    }
  });

  it('refuses other schemes and malformed headers', () => {
    for (const authorization of [KEY, `Basic ${KEY}`, `Bearer ${KEY} extra`, 'Bearer', `Bearer${KEY}`]) {
      expect(rejection(guard, { authorization })?.code, authorization).toBe('invalid_admin_key');
    }
  });

  it('refuses everything when no admin key is configured', () => {
    const disabled = new AdminKeyGuard('');
    for (const authorization of ['Bearer ', 'Bearer x', `Bearer ${KEY}`]) {
      const error = rejection(disabled, { authorization });
      expect(error?.status).toBe(401);
      expect(error?.code).toBe('admin_api_disabled');
    }
  });
});
