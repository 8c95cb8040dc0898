/** An admin API refusal, carrying the OpenAI error envelope's fields so pages can show the API's own message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string | null = null,
    readonly code: string | null = null,
    readonly param: string | null = null,
    /** The envelope's other fields, e.g. a refused dataset's `issues` and `issue_count`. */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Reads the envelope out of a failed response; a body that is not one still yields a readable error. */
  static async fromResponse(response: Response): Promise<ApiError> {
    const text = await response.text().catch(() => '');
    try {
      const body = JSON.parse(text) as { error?: Record<string, unknown> };
      const e = body.error;
      if (e && typeof e.message === 'string') {
        const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
        const { message, type, code, param, ...details } = e;
        return new ApiError(response.status, message, str(type), str(code), str(param), details);
      }
    } catch {
      // Not JSON: fall through to the status line.
    }
    return new ApiError(response.status, `${response.status} ${response.statusText || 'error'}${text ? `: ${text.slice(0, 200)}` : ''}`);
  }
}
