import { describe, expect, it } from 'vitest';
import { activatePolicyRequestSchema, createPolicyVersionRequestSchema, listPolicyVersionsQuerySchema, validatePolicyRequestSchema } from './policy-admin.schema.js';

describe('policy admin request schemas', () => {
  it('takes any JSON as a document but requires one', () => {
    expect(validatePolicyRequestSchema.safeParse({ document: 'not a policy' }).success).toBe(true);
    expect(validatePolicyRequestSchema.safeParse({}).success).toBe(false);
    expect(validatePolicyRequestSchema.safeParse({ document: {}, extra: 1 }).success).toBe(false);
  });

  it('requires a non-blank reason to create a version and does not activate by default', () => {
    expect(createPolicyVersionRequestSchema.parse({ document: {}, reason: ' tune ' })).toEqual({ document: {}, reason: 'tune', activate: false });
    expect(createPolicyVersionRequestSchema.safeParse({ document: {}, reason: '  ' }).success).toBe(false);
    expect(createPolicyVersionRequestSchema.parse({ document: {}, reason: 'x', parentId: null }).parentId).toBeNull();
  });

  it('needs a version id to activate', () => {
    expect(activatePolicyRequestSchema.safeParse({ reason: 'x' }).success).toBe(false);
    expect(activatePolicyRequestSchema.parse({ versionId: 'pv_1' })).toEqual({ versionId: 'pv_1' });
  });

  it('reads page sizes from query strings within bounds', () => {
    expect(listPolicyVersionsQuerySchema.parse({})).toEqual({ limit: 20 });
    expect(listPolicyVersionsQuerySchema.parse({ limit: '5', before: 'pv_1' })).toEqual({ limit: 5, before: 'pv_1' });
    expect(listPolicyVersionsQuerySchema.safeParse({ limit: '0' }).success).toBe(false);
    expect(listPolicyVersionsQuerySchema.safeParse({ limit: '101' }).success).toBe(false);
    expect(listPolicyVersionsQuerySchema.safeParse({ limit: 'ten' }).success).toBe(false);
  });
});
