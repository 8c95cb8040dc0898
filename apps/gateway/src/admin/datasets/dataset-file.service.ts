import { Inject, Injectable } from '@nestjs/common';
import { type DatasetFileFormat, type DatasetFileIssue, type DatasetItem, datasetItemSchema, formatParamPath } from '@switchyard/contracts';
import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import type { z } from 'zod';
import { OpenAiHttpError } from '../../errors/openai-error.js';
import { InvalidDatasetError, MAX_LISTED_ISSUES, tooManyItems } from './dataset-file.errors.js';
import { DATASET_LIMITS, type DatasetLimits } from './datasets-admin.tokens.js';

/** What a file said it was: the upload's content type and, for multipart, its file name. */
export interface DatasetFileHints {
  /** `?format=`: wins over everything else. */
  format?: DatasetFileFormat;
  contentType?: string;
  filename?: string;
}

const FORMAT_BY_MEDIA_TYPE: Readonly<Record<string, DatasetFileFormat>> = {
  'application/x-ndjson': 'jsonl',
  'application/ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/x-jsonlines': 'jsonl',
  'application/jsonlines': 'jsonl',
  'text/csv': 'csv',
  'application/csv': 'csv',
  'application/json': 'json',
};
const FORMAT_BY_EXTENSION: Readonly<Record<string, DatasetFileFormat>> = { jsonl: 'jsonl', ndjson: 'jsonl', csv: 'csv', json: 'json' };
const CSV_COLUMNS = new Set(['input', 'expected', 'workload', 'metadata', 'span_id']);

/** Keeps the first issues and counts them all. */
class IssueList {
  readonly listed: DatasetFileIssue[] = [];
  count = 0;

  add(line: number, reason: string): void {
    this.count++;
    if (this.listed.length < MAX_LISTED_ISSUES) this.listed.push({ line, reason });
  }
}

interface CsvRecord {
  record: string[];
  info: { lines: number };
}

/** A candidate item and the file line it starts on. */
interface Located {
  line: number;
  value: unknown;
}

/**
 * Turns an uploaded file into dataset items, or refuses it whole with every bad line named.
 *
 * - JSONL: one item per non-blank line.
 * - JSON: one array of items.
 * - CSV: a header row naming some of `input`, `expected`, `workload`, `metadata`, `span_id` (`input`
 *   required), then one item per row. Cells are text, taken as they are, with one exception:
 *   `metadata` must be a JSON object. So an `expected` cell of `42` is the string "42", and `input`
 *   is always a plain-string prompt (chat-message lists need JSONL or JSON). An empty cell means
 *   the field is absent.
 */
@Injectable()
export class DatasetFileService {
  constructor(@Inject(DATASET_LIMITS) private readonly limits: DatasetLimits) {}

  /** 415 when neither the hints nor the file name say which format it is. */
  formatOf(hints: DatasetFileHints): DatasetFileFormat {
    if (hints.format) return hints.format;
    const mediaType = hints.contentType?.split(';')[0]?.trim().toLowerCase();
    const byType = mediaType ? FORMAT_BY_MEDIA_TYPE[mediaType] : undefined;
    if (byType) return byType;
    const extension = hints.filename?.toLowerCase().split('.').pop();
    const byExtension = extension ? FORMAT_BY_EXTENSION[extension] : undefined;
    if (byExtension) return byExtension;
    throw new OpenAiHttpError(
      415,
      `Cannot tell the dataset file's format from its content type${mediaType ? ` '${mediaType}'` : ''}. Send application/x-ndjson, text/csv or application/json, or pass ?format=jsonl|csv|json.`,
      'invalid_request_error',
      'unsupported_media_type',
      'format',
    );
  }

  /** Every item, in file order; nothing is returned unless every line is valid. */
  parse(bytes: Buffer, format: DatasetFileFormat): DatasetItem[] {
    const text = decodeUtf8(bytes);
    const issues = new IssueList();
    let located: Located[];
    switch (format) {
      case 'jsonl':
        located = this.jsonLines(text, issues);
        break;
      case 'json':
        located = this.jsonArray(text, issues);
        break;
      case 'csv':
        located = this.csvRows(text, issues);
        break;
    }
    if (issues.count === 0 && located.length === 0) throw new OpenAiHttpError(422, 'The dataset file has no items.', 'invalid_request_error', 'empty_dataset');
    if (located.length > this.limits.maxItems) throw tooManyItems(located.length, this.limits.maxItems);

    const items: DatasetItem[] = [];
    for (const { line, value } of located) {
      const parsed = datasetItemSchema.safeParse(value, { reportInput: true });
      if (parsed.success) items.push(parsed.data);
      else issues.add(line, describeItemIssues(parsed.error));
    }
    if (issues.count > 0) throw new InvalidDatasetError([...issues.listed].sort((a, b) => a.line - b.line), issues.count);
    return items;
  }

  private jsonLines(text: string, issues: IssueList): Located[] {
    const located: Located[] = [];
    const lines = text.split('\n');
    // Counted before anything is parsed, so an oversized file is refused cheaply.
    const count = lines.reduce((n, l) => (isBlank(l) ? n : n + 1), 0);
    if (count > this.limits.maxItems) throw tooManyItems(count, this.limits.maxItems);
    lines.forEach((raw, i) => {
      if (isBlank(raw)) return;
      try {
        located.push({ line: i + 1, value: JSON.parse(raw) as unknown });
      } catch (error) {
        issues.add(i + 1, `invalid JSON: ${(error as Error).message}`);
      }
    });
    return located;
  }

  private jsonArray(text: string, issues: IssueList): Located[] {
    let value: unknown;
    try {
      value = JSON.parse(text) as unknown;
    } catch (error) {
      const message = (error as Error).message;
      const position = /position (\d+)/.exec(message)?.[1];
      issues.add(position === undefined ? 1 : lineAt(text, Number(position)), `invalid JSON: ${message}`);
      return [];
    }
    if (!Array.isArray(value)) {
      issues.add(lineAt(text, text.search(/\S/)), 'a JSON dataset file must be an array of items');
      return [];
    }
    if (value.length > this.limits.maxItems) throw tooManyItems(value.length, this.limits.maxItems);
    const lines = arrayElementLines(text);
    return value.map((item: unknown, i) => ({ line: lines[i] ?? 1, value: item }));
  }

  private csvRows(text: string, issues: IssueList): Located[] {
    let records: CsvRecord[];
    try {
      // csv-parse's types do not model `info: true`, which wraps each record with where it ends.
      records = parseCsv(text, { info: true, relax_column_count: true, skip_empty_lines: true, bom: true }) as unknown as CsvRecord[];
    } catch (error) {
      if (!(error instanceof CsvError)) throw error;
      issues.add((error as CsvError & { lines?: number }).lines ?? 1, `invalid CSV: ${error.message}`);
      return [];
    }
    const [header, ...rows] = records;
    if (!header) return [];
    const columns = header.record.map((c) => c.trim());
    const headerLine = startLine(header);
    const unknown = columns.filter((c) => !CSV_COLUMNS.has(c));
    const duplicate = columns.filter((c, i) => columns.indexOf(c) !== i);
    if (unknown.length) issues.add(headerLine, `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `'${c}'`).join(', ')}; use input, expected, workload, metadata, span_id`);
    if (duplicate.length) issues.add(headerLine, `duplicate column${duplicate.length > 1 ? 's' : ''} ${duplicate.map((c) => `'${c}'`).join(', ')}`);
    if (!columns.includes('input')) issues.add(headerLine, "missing the 'input' column");
    if (issues.count > 0) return [];
    if (rows.length > this.limits.maxItems) throw tooManyItems(rows.length, this.limits.maxItems);

    const located: Located[] = [];
    for (const row of rows) {
      const line = startLine(row);
      if (row.record.length !== columns.length) {
        issues.add(line, `has ${row.record.length} cells; the header has ${columns.length}`);
        continue;
      }
      const item: Record<string, unknown> = {};
      let ok = true;
      columns.forEach((column, i) => {
        const cell = row.record[i] ?? '';
        if (cell === '' && column !== 'input') return;
        if (column !== 'metadata') {
          item[column] = cell;
          return;
        }
        try {
          item[column] = JSON.parse(cell) as unknown;
        } catch {
          issues.add(line, "'metadata': must be a JSON object");
          ok = false;
        }
      });
      if (ok) located.push({ line, value: item });
    }
    return located;
  }
}

const isBlank = (line: string): boolean => line.trim() === '';

function decodeUtf8(bytes: Buffer): string {
  try {
    // Strips a leading byte-order mark.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new OpenAiHttpError(422, 'The dataset file is not valid UTF-8.', 'invalid_request_error', 'invalid_encoding');
  }
}

/** 1-based line of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** csv-parse reports the line a record ends on; newlines inside quoted cells say how far back it started. */
const startLine = (row: CsvRecord): number => row.info.lines - row.record.reduce((n, cell) => n + cell.split('\n').length - 1, 0);

/** The line each element of a valid top-level JSON array starts on. */
function arrayElementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let awaitingElement = false;
  for (const char of text) {
    if (inString) {
      // JSON strings cannot hold a raw newline, so lines need no counting in here.
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '\n') line++;
    if (char === ' ' || char === '\t' || char === '\r' || char === '\n') continue;
    if (char === ']' || char === '}') {
      depth--;
      awaitingElement = false;
      continue;
    }
    if (depth === 1 && char === ',') {
      awaitingElement = true;
      continue;
    }
    if (awaitingElement) {
      lines.push(line);
      awaitingElement = false;
    }
    if (char === '"') inString = true;
    else if (char === '[' || char === '{') {
      depth++;
      if (depth === 1) awaitingElement = true;
    }
  }
  return lines;
}

/** Every problem with an item (up to three), where it is, phrased for a person fixing the file. */
function describeItemIssues(error: z.ZodError): string {
  const reasons = error.issues.slice(0, 3).map(describeIssue);
  return error.issues.length > 3 ? `${reasons.join('; ')}; and ${error.issues.length - 3} more` : reasons.join('; ');
}

function describeIssue(first: z.core.$ZodIssue): string {
  let issue = first;
  let path = issue.path;
  // A failed union (input: string or messages) reports each branch; the deepest issue is the useful one.
  while (issue.code === 'invalid_union' && issue.errors.length) {
    const branch: z.core.$ZodIssue | undefined = issue.errors
      .map((e) => e[0])
      .filter((e) => e !== undefined)
      .sort((a, b) => b.path.length - a.path.length)[0];
    if (!branch || branch.path.length === 0) break;
    path = [...path, ...branch.path];
    issue = branch;
  }
  const where = path.length ? formatParamPath(path) : null;
  if (issue.code === 'invalid_type' && issue.input === undefined) return `missing '${where ?? 'item'}'`;
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  return where ? `'${where}': ${issue.message}` : issue.message;
}
