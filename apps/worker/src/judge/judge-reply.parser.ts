import { pairwiseVerdictSchema, referenceFreeVerdictSchema, referenceVerdictSchema, type Rubric } from '@switchyard/contracts';

export type ParsedVerdict =
  | { ok: true; kind: 'reference-free'; score: number; reason: string }
  | { ok: true; kind: 'reference'; equivalent: boolean; reason: string }
  | { ok: true; kind: 'pairwise'; winner: 'A' | 'B' | 'tie'; reason: string }
  | { ok: false; error: string };

/** JSON mode can still wrap the object in a code fence; nothing else is forgiven. */
function jsonOf(text: string): unknown {
  const trimmed = text.trim();
  const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/i.exec(trimmed);
  return JSON.parse(fenced ? fenced[1] : trimmed) as unknown;
}

/** Parses a judge reply strictly against its rubric's verdict shape. */
export function parseVerdict(kind: Rubric['kind'], text: string): ParsedVerdict {
  let value: unknown;
  try {
    value = jsonOf(text);
  } catch {
    return { ok: false, error: 'the reply is not JSON' };
  }
  switch (kind) {
    case 'reference-free': {
      const v = referenceFreeVerdictSchema.safeParse(value);
      return v.success ? { ok: true, kind, score: v.data.score, reason: v.data.reason } : { ok: false, error: v.error.issues[0]?.message ?? 'bad verdict' };
    }
    case 'reference': {
      const v = referenceVerdictSchema.safeParse(value);
      return v.success ? { ok: true, kind, equivalent: v.data.equivalent, reason: v.data.reason } : { ok: false, error: v.error.issues[0]?.message ?? 'bad verdict' };
    }
    case 'pairwise': {
      const v = pairwiseVerdictSchema.safeParse(value);
      return v.success ? { ok: true, kind, winner: v.data.winner, reason: v.data.reason } : { ok: false, error: v.error.issues[0]?.message ?? 'bad verdict' };
    }
  }
}
