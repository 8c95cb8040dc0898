import { describe, expect, it } from 'vitest';
import { nulInUrl } from './url-nul.js';

describe('nulInUrl', () => {
  it('names the path parameter or query value holding a NUL', () => {
    expect(nulInUrl({ id: 'a\u0000b' }, {})).toBe('id');
    expect(nulInUrl({ name: 'ok' }, { before: '\u0000' })).toBe('before');
    expect(nulInUrl({}, { limit: ['1', '2\u0000'] })).toBe('limit');
    expect(nulInUrl({}, { ['x\u0000']: '1' })).toBe('x\u0000');
  });

  it('passes everything else, traversal attempts included (the route schemas refuse those)', () => {
    expect(nulInUrl({ id: '../../etc/passwd', name: '%2e%2e' }, { tenantId: 'tn_x', n: ['1', '2'] })).toBeUndefined();
    expect(nulInUrl(undefined, null)).toBeUndefined();
  });
});
