/** `DatasetLimits` for uploads and `from-spans`. */
export const DATASET_LIMITS = Symbol('DATASET_LIMITS');

export interface DatasetLimits {
  /** Largest upload body, raw or multipart; larger ones get 413 `request_too_large`. */
  maxBytes: number;
  /** Most items in one version; more get 422 `too_many_items`. */
  maxItems: number;
}

export const DEFAULT_DATASET_LIMITS: DatasetLimits = { maxBytes: 50 * 1024 * 1024, maxItems: 100_000 };
