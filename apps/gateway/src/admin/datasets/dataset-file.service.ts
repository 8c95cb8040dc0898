import { Inject, Injectable } from '@nestjs/common';
import { type DatasetFileFormat, type DatasetFileIssue, type DatasetItem, datasetItemSchema, formatParamPath } from '@switchyard/contracts';
import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import type { z } from 'zod';
import { OpenAiHttpError } from '../../errors/openai-error.js';
import { unsafeJsonReason } from '../../validation/json-body.js';
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
      // Before zod: its z.json() (metadata) recurses, and a few thousand levels overflow the stack.
      const unsafe = unsafeJsonReason(value);
      if (unsafe) {
        issues.add(line, `the item ${unsafe}`);
        continue;
      }
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

  /** Elements are parsed one by one, so each broken one is named by its own line, as in JSONL. */
  private jsonArray(text: string, issues: IssueList): Located[] {
    const elements = splitTopLevelArray(text);
    if (!elements) {
      // Not an array, or one whose brackets do not balance: what JSON.parse says is all there is to say.
      try {
        JSON.parse(text);
        issues.add(lineAt(text, text.search(/\S/)), 'a JSON dataset file must be an array of items');
      } catch (error) {
        const message = (error as Error).message;
        const position = /position (\d+)/.exec(message)?.[1];
        issues.add(lineAt(text, position === undefined ? text.length : Number(position)), `invalid JSON: ${message}`);
      }
      return [];
    }
    if (elements.length > this.limits.maxItems) throw tooManyItems(elements.length, this.limits.maxItems);
    const located: Located[] = [];
    for (const element of elements) {
      try {
        if (element.text === '') throw new Error('an empty array element (a stray comma?)');
        located.push({ line: element.line, value: JSON.parse(element.text) as unknown });
      } catch (error) {
        issues.add(element.line, `invalid JSON: ${(error as Error).message}`);
      }
    }
    return located;
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

/**
 * The text of each element of a top-level JSON array and the line it starts on, found by tracking
 * strings and nesting only; each element is parsed on its own afterwards. Undefined when the text
 * is not one bracket-balanced array.
 */
function splitTopLevelArray(text: string): { line: number; text: string }[] | undefined {
  const open = text.search(/\S/);
  if (open === -1 || text[open] !== '[') return undefined;
  const elements: { line: number; text: string }[] = [];
  let line = lineAt(text, open);
  let depth = 1;
  let inString = false;
  let escaped = false;
  let start = -1;
  let startLine = line;
  let last = -1;
  const close = (): void => {
    elements.push(start === -1 ? { line, text: '' } : { line: startLine, text: text.slice(start, last + 1) });
    start = -1;
  };
  for (let i = open + 1; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      // JSON strings cannot hold a raw newline, so lines need no counting in here.
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === '"') inString = false;
      last = i;
      continue;
    }
    if (char === '\n') line++;
    if (char === ' ' || char === '\t' || char === '\r' || char === '\n') continue;
    if (depth === 1 && (char === ',' || char === ']')) {
      // `[]` has no elements; anything else closes the element before the comma or bracket.
      if (char === ',' || start !== -1 || elements.length > 0) close();
      if (char === ']') return text.slice(i + 1).trim() === '' ? elements : undefined;
      continue;
    }
    if (start === -1) {
      start = i;
      startLine = line;
    }
    last = i;
    if (char === '"') inString = true;
    else if (char === '[' || char === '{') depth++;
    else if (char === ']' || char === '}') depth--;
  }
  return undefined;
}

/** Every problem with an item (up to three), where it is, phrased for a person fixing the file. */
function describeItemIssues(error: z.ZodError): string {
  const reasons = error.issues.slice(0, 3).map(describeIssue);
  return error.issues.length > 3 ? `${reasons.join('; ')}; and ${error.issues.length - 3} more` : reasons.join('; ');
}

function describeIssue(first: z.core.$ZodIssue): string {
  // Items are parsed with `reportInput`, so an issue without input is about a field that is not there.
  if ((first.code === 'invalid_type' || first.code === 'invalid_union') && first.input === undefined) return `missing '${first.path.length ? formatParamPath(first.path) : 'item'}'`;
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
