import { ApiError } from './api-error';

export type Query = Record<string, string | number | boolean | null | undefined>;

/** Progress of an upload, 0..1, when the browser can tell. */
export type ProgressListener = (fraction: number) => void;

/**
 * The console's only way to the gateway: the documented admin API, same origin, with the admin key
 * as a bearer token. Every failure becomes an `ApiError` carrying the API's own message.
 */
export class AdminApi {
  constructor(
    private readonly key: string,
    private readonly onUnauthorized: () => void = () => undefined,
    /** Sent as `x-switchyard-actor`, so the audit trail names the person, not just the key. */
    private readonly actor: string | null = null,
    private readonly baseUrl = '',
  ) {}

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path + queryString(query), undefined, signal);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body ?? {});
  }

  /**
   * Sends raw bytes (uploads). XMLHttpRequest, not fetch: fetch cannot report upload progress.
   */
  upload<T>(path: string, body: Blob, contentType: string, onProgress?: ProgressListener): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', this.baseUrl + path);
      for (const [name, value] of Object.entries(this.headers())) xhr.setRequestHeader(name, value);
      xhr.setRequestHeader('content-type', contentType);
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total);
      };
      xhr.onerror = () => reject(new ApiError(0, 'The gateway could not be reached.'));
      xhr.onload = () => {
        const response = new Response(xhr.responseText, { status: xhr.status, statusText: xhr.statusText });
        if (xhr.status >= 200 && xhr.status < 300) {
          resolve(JSON.parse(xhr.responseText || 'null') as T);
          return;
        }
        if (xhr.status === 401) this.onUnauthorized();
        void ApiError.fromResponse(response).then(reject);
      };
      xhr.send(body);
    });
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.key}`, ...(this.actor ? { 'x-switchyard-actor': this.actor } : {}) };
  }

  private async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.baseUrl + path, {
        method,
        signal,
        headers: { ...this.headers(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ApiError(0, 'The gateway could not be reached.');
    }
    if (!response.ok) {
      if (response.status === 401) this.onUnauthorized();
      throw await ApiError.fromResponse(response);
    }
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }
}

export function queryString(query?: Query): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
