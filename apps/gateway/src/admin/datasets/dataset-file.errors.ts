import type { DatasetFileIssue, ErrorEnvelope } from '@switchyard/contracts';
import { OpenAiHttpError } from '../../errors/openai-error.js';

/** How many issues a refusal lists; the count says how many there were in all. */
export const MAX_LISTED_ISSUES = 100;
/** How many of those the message spells out. */
const ISSUES_IN_MESSAGE = 10;

/** The envelope's `error` also carries `issues` (the first 100) and `issue_count`. */
export type InvalidDatasetEnvelope = ErrorEnvelope & { error: { issues: DatasetFileIssue[]; issue_count: number } };

/** A dataset refused whole: 422 `invalid_dataset`, with every problem found (up to a cap) and where. */
export class InvalidDatasetError extends OpenAiHttpError {
  readonly issues: DatasetFileIssue[];

  constructor(
    issues: DatasetFileIssue[],
    readonly issueCount: number = issues.length,
    what = 'line',
  ) {
    const listed = issues.slice(0, ISSUES_IN_MESSAGE).map((i) => `${what} ${i.line}: ${i.reason}`);
    const more = issueCount > listed.length ? `; and ${issueCount - listed.length} more` : '';
    super(422, `The dataset was not stored: ${issueCount} invalid ${what}${issueCount === 1 ? '' : 's'}. ${listed.join('; ')}${more}.`, 'invalid_request_error', 'invalid_dataset');
    this.issues = issues.slice(0, MAX_LISTED_ISSUES);
  }

  override toEnvelope(): InvalidDatasetEnvelope {
    const { error } = super.toEnvelope();
    return { error: { ...error, issues: this.issues, issue_count: this.issueCount } };
  }
}

export const tooManyItems = (count: number | string, max: number): OpenAiHttpError =>
  new OpenAiHttpError(422, `The dataset has ${count} items; at most ${max} are allowed in one version.`, 'invalid_request_error', 'too_many_items');
