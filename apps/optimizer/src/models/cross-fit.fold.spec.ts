import { describe, expect, it } from 'vitest';
import { foldOf } from './cross-fit.fold.js';

const body = (text: string, model = 'auto') => ({ model, messages: [{ role: 'system', content: 'few-shot prefix' }, { role: 'user', content: text }] });

describe('foldOf', () => {
  it('puts every span of one prompt in the same fold, whichever model answered it', () => {
    for (let i = 0; i < 50; i++) {
      const fold = foldOf({ requestBody: body(`question ${i}`), spanId: `live-${i}` });
      expect(foldOf({ requestBody: body(`question ${i}`, 'cheap'), spanId: `shadow-${i}` })).toBe(fold);
    }
  });

  it('splits distinct prompts, and spans without a stored body, about in half', () => {
    const byPrompt = Array.from({ length: 2_000 }, (_, i) => foldOf({ requestBody: body(`prompt number ${i}`), spanId: 'same' }));
    const bySpan = Array.from({ length: 2_000 }, (_, i) => foldOf({ requestBody: null, spanId: `${i.toString(16).padStart(16, '0')}` }));
    for (const folds of [byPrompt, bySpan]) {
      const ones = folds.filter((f) => f === 1).length;
      expect(ones).toBeGreaterThan(900);
      expect(ones).toBeLessThan(1_100);
    }
  });
});
