import { describe, expect, it } from 'vitest';
import { uploadIssues } from '../datasets/dataset-upload';
import { ApiError } from './api-error';

const envelope = (error: Record<string, unknown>, status = 422) => new Response(JSON.stringify({ error }), { status });

describe('ApiError.fromResponse', () => {
  it("keeps the envelope's fields, and the rest of it as details", async () => {
    const e = await ApiError.fromResponse(
      envelope({ message: 'Dataset file refused: 2 invalid lines.', type: 'invalid_request_error', code: 'invalid_dataset', param: 'file', issues: [{ line: 2, reason: "missing 'input'" }, { line: 7, reason: 'not JSON' }], issue_count: 2 }),
    );
    expect(e).toMatchObject({ status: 422, message: 'Dataset file refused: 2 invalid lines.', code: 'invalid_dataset', param: 'file' });
    expect(uploadIssues(e)).toEqual({ issues: [{ line: 2, reason: "missing 'input'" }, { line: 7, reason: 'not JSON' }], total: 2, unit: 'line' });
  });

  it('still says something useful for a body that is not an envelope', async () => {
    const e = await ApiError.fromResponse(new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    expect(e.status).toBe(502);
    expect(e.message).toBe('502 Bad Gateway: <html>bad gateway</html>');
    expect(e.details).toEqual({});
  });
});
