import type { ErrorEnvelope, ErrorType } from '@switchyard/contracts';

/** An error the client should see, already phrased in OpenAI's envelope terms. */
export class OpenAiHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: ErrorType,
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'OpenAiHttpError';
  }

  toEnvelope(): ErrorEnvelope {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }
}

export const envelope = (message: string, type: ErrorType, code: string | null = null, param: string | null = null): ErrorEnvelope => ({
  error: { message, type, code, param },
});
