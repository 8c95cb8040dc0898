import type { Comparison, Condition } from '@switchyard/contracts';
import type { RequestFeatures } from './request-features.js';

export type Predicate = (f: RequestFeatures) => boolean;
type Value = string | number | boolean | undefined;
type Getter = (f: RequestFeatures) => Value;

const FIXED_GETTERS: Readonly<Record<string, Getter>> = {
  input_tokens: (f) => f.inputTokens,
  message_count: (f) => f.messageCount,
  max_tokens: (f) => f.maxTokens,
  non_latin_share: (f) => f.nonLatinShare ?? 0,
  has_tools: (f) => f.hasTools,
  has_images: (f) => f.hasImages,
  json_mode: (f) => f.jsonMode,
  stream: (f) => f.stream,
  has_code: (f) => f.hasCode ?? false,
  system_prompt: (f) => f.systemPrompt,
  tenant: (f) => f.tenant,
  user: (f) => f.user,
  operation: (f) => f.operation,
  requested_model: (f) => f.requestedModel,
};

function getter(feature: string): Getter {
  const fixed = FIXED_GETTERS[feature];
  if (fixed) return fixed;
  if (feature.startsWith('metadata.')) {
    const key = feature.slice('metadata.'.length);
    return (f) => f.metadata?.[key];
  }
  if (feature.startsWith('header.')) {
    const key = feature.slice('header.'.length);
    return (f) => f.headers?.[key];
  }
  // The contract's schema rejects anything else before compilation.
  throw new Error(`unknown feature ${feature}`);
}

/** Metadata and headers arrive as strings: compare numerically when both sides read as numbers. */
const asNumber = (v: Value): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
};

const same = (a: Value, b: string | number | boolean): boolean => {
  if (a === undefined) return false;
  if (typeof a === typeof b) return a === b;
  const an = asNumber(a);
  const bn = asNumber(b);
  return an !== undefined && an === bn ? true : String(a) === String(b);
};

function compileComparison(c: Comparison): Predicate {
  const get = getter(c.feature);
  const v = c.value;
  switch (c.op) {
    case 'exists':
      return (f) => {
        const x = get(f);
        return x !== undefined && x !== '';
      };
    case 'eq':
      return (f) => same(get(f), v as string | number | boolean);
    case 'ne':
      return (f) => !same(get(f), v as string | number | boolean);
    case 'in': {
      const list = v as (string | number | boolean)[];
      return (f) => {
        const x = get(f);
        return list.some((item) => same(x, item));
      };
    }
    case 'not_in': {
      const list = v as (string | number | boolean)[];
      return (f) => {
        const x = get(f);
        return !list.some((item) => same(x, item));
      };
    }
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const bound = v as number;
      const op = c.op;
      return (f) => {
        const x = asNumber(get(f));
        if (x === undefined) return false;
        return op === 'lt' ? x < bound : op === 'lte' ? x <= bound : op === 'gt' ? x > bound : x >= bound;
      };
    }
    case 'matches': {
      // Compiled once per policy version, never per request.
      const re = new RegExp(v as string, c.flags);
      return (f) => {
        const x = get(f);
        return x !== undefined && re.test(String(x));
      };
    }
  }
}

/** Turns a condition into a closure, so evaluating it per request is only the comparisons themselves. */
export function compileCondition(c: Condition): Predicate {
  if ('and' in c) {
    const parts = c.and.map(compileCondition);
    return (f) => parts.every((p) => p(f));
  }
  if ('or' in c) {
    const parts = c.or.map(compileCondition);
    return (f) => parts.some((p) => p(f));
  }
  if ('not' in c) {
    const inner = compileCondition(c.not);
    return (f) => !inner(f);
  }
  return compileComparison(c);
}
