import type { z } from 'zod';

/** `messages[0].content` style, the way OpenAI names parameters in its errors. */
export const formatParamPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');

export interface RequestIssue {
  message: string;
  param: string | null;
  code: 'missing_required_parameter' | 'invalid_type' | 'invalid_value';
}

/** Reduces a zod error to the first, most useful issue, phrased like OpenAI's validation errors. */
export function describeFirstIssue(error: z.ZodError): RequestIssue {
  const issue = error.issues[0];
  if (!issue) return { message: 'Invalid request body.', param: null, code: 'invalid_value' };
  // A failed union reports its branches; the deepest branch issue says what actually went wrong.
  if (issue.code === 'invalid_union' && issue.errors.length) {
    const branch = issue.errors.map((e) => e[0]).filter((e) => e !== undefined).sort((a, b) => b.path.length - a.path.length)[0];
    if (branch && branch.path.length > 0) {
      const nested = describeFirstIssue({ issues: [{ ...branch, path: [...issue.path, ...branch.path] }] } as z.ZodError);
      return nested;
    }
  }
  const param = issue.path.length ? formatParamPath(issue.path) : null;
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  if (missing) return { message: `Missing required parameter: '${param ?? 'body'}'.`, param, code: 'missing_required_parameter' };
  return {
    message: `Invalid value for '${param ?? 'body'}': ${issue.message}.`,
    param,
    code: issue.code === 'invalid_type' ? 'invalid_type' : 'invalid_value',
  };
}
