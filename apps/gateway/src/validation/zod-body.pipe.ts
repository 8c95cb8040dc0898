import { type PipeTransform } from '@nestjs/common';
import { describeFirstIssue } from '@switchyard/contracts';
import type { z } from 'zod';
import { OpenAiHttpError } from '../errors/openai-error.js';

/** The one validation step at the HTTP edge: zod contract in, OpenAI envelope out. */
export class ZodBodyPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.infer<S> {
    if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new OpenAiHttpError(400, 'The request body must be a JSON object.', 'invalid_request_error', 'invalid_json');
    }
    const parsed = this.schema.safeParse(value, { reportInput: true });
    if (!parsed.success) {
      const issue = describeFirstIssue(parsed.error);
      throw new OpenAiHttpError(400, issue.message, 'invalid_request_error', issue.code, issue.param);
    }
    return parsed.data;
  }
}
