import type { DatasetFileFormat, DatasetFileIssue } from '@switchyard/contracts';
import { ApiError } from '../api/api-error';

/** The dataset file formats the API reads, by file extension (browsers often give a `.jsonl` no MIME type). */
const FORMAT_BY_EXTENSION: Readonly<Record<string, DatasetFileFormat>> = { jsonl: 'jsonl', ndjson: 'jsonl', csv: 'csv', json: 'json' };

const CONTENT_TYPE: Readonly<Record<DatasetFileFormat, string>> = { jsonl: 'application/x-ndjson', csv: 'text/csv', json: 'application/json' };

export function formatOfFile(fileName: string): DatasetFileFormat | null {
  const extension = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  return (extension && FORMAT_BY_EXTENSION[extension]) || null;
}

export function contentTypeOf(format: DatasetFileFormat): string {
  return CONTENT_TYPE[format];
}

/** A dataset name the API accepts, suggested from the file name: `ARC Sample.jsonl` → `arc-sample`. */
export function datasetNameFromFile(fileName: string): string {
  return fileName
    .replace(/\.[^.]*$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 64);
}

export interface UploadIssues {
  issues: DatasetFileIssue[];
  /** How many there were in all; the API lists at most the first 100, its message the first 10. */
  total: number;
  /** What each `line` counts: `line`, or `span id` for a from-spans refusal. */
  unit: string;
}

/**
 * The per-line problems of a refused dataset (422 `invalid_dataset`): the envelope's `issues` (up
 * to 100) and `issue_count`. Without them (a proxy that rewrote the body), they are read back from
 * the message, which names the first ten as "line N: reason" in the same order.
 */
export function uploadIssues(error: unknown): UploadIssues | null {
  if (!(error instanceof ApiError) || error.code !== 'invalid_dataset') return null;
  const carried = error.details.issues;
  if (Array.isArray(carried) && carried.every(isIssue)) {
    const count = error.details.issue_count;
    return { issues: carried, total: typeof count === 'number' ? count : carried.length, unit: 'line' };
  }
  return issuesFromMessage(error.message);
}

const HEAD = /^The dataset was not stored: (\d+) invalid (.+?)s?\. /;

/** Parses "The dataset was not stored: 2 invalid lines. line 3: reason; line 7: reason; and 1 more." */
export function issuesFromMessage(message: string): UploadIssues | null {
  const head = HEAD.exec(message);
  if (!head) return null;
  const total = Number(head[1]);
  const unit = head[2];
  let rest = message.slice(head[0].length);
  // The message closes the list with one full stop, after any "; and N more".
  if (rest.endsWith('.')) rest = rest.slice(0, -1);
  rest = rest.replace(/; and \d+ more$/, '');
  const marker = new RegExp(`(?:^|; )(?=${escapeRegExp(unit)} \\d+: )`);
  const issues: DatasetFileIssue[] = [];
  for (const part of rest.split(marker)) {
    const m = new RegExp(`^${escapeRegExp(unit)} (\\d+): ([\\s\\S]*)$`).exec(part);
    if (m) issues.push({ line: Number(m[1]), reason: m[2] });
  }
  return issues.length ? { issues, total, unit } : null;
}

function isIssue(value: unknown): value is DatasetFileIssue {
  return typeof value === 'object' && value !== null && typeof (value as DatasetFileIssue).line === 'number' && typeof (value as DatasetFileIssue).reason === 'string';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
