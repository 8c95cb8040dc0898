/**
 * Route config for `@RouteConfig(UPLOAD_ROUTE)`: the route reads its body itself, as raw bytes
 * whatever the content type, or as a multipart stream, within the upload body limit rather than
 * the JSON one. The gateway bootstrap honours it.
 */
export const UPLOAD_ROUTE = { upload: true } as const;

export const isUploadRoute = (config: unknown): boolean => typeof config === 'object' && config !== null && (config as { upload?: unknown }).upload === true;
