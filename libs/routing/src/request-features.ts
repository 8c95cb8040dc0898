/**
 * What the gateway extracts from one request for routing. Cheap to build: the gateway fills it
 * once per call, and offline replay builds it from recorded spans. `chatFeatures` and
 * `embeddingsFeatures` set every field they can; `hasCode` and `nonLatinShare` are optional only so
 * that features written out by hand stay valid, and read as false and 0 when absent.
 */
export interface RequestFeatures {
  operation: 'chat' | 'embeddings';
  /** The request's `model`: a model id (pinned), `auto`, or a workload name. */
  requestedModel: string;
  /** Estimated prompt tokens (characters / 4). */
  inputTokens: number;
  messageCount: number;
  hasTools: boolean;
  hasImages: boolean;
  /** `response_format` asks for JSON (json_object or json_schema). */
  jsonMode: boolean;
  stream: boolean;
  /**
   * The prompt shows code: a code fence or a common code shape (see `hasCodeShape`), in the first
   * or last KB of its user, system and developer text.
   */
  hasCode?: boolean;
  /**
   * Share of that text's letters outside the Latin script, in [0, 1] (0 without letters): a
   * language signal for, e.g., Chinese, Russian or Arabic prompts.
   */
  nonLatinShare?: number;
  /** `max_completion_tokens` or `max_tokens`, when given. */
  maxTokens?: number;
  /** System (and developer) messages' text, joined. */
  systemPrompt: string;
  /** The request's `metadata`, values as strings. */
  metadata?: Readonly<Record<string, string>>;
  /** Request headers, lower-case names. */
  headers?: Readonly<Record<string, string | undefined>>;
  tenant?: string;
  user?: string;
  /** From the `x-switchyard-workload` header. */
  workloadHeader?: string;
  /** The calling virtual key's default workload. */
  keyWorkload?: string;
}

/** Random source in [0, 1). Seeded in tests and replays, Math.random in the gateway. */
export type Rng = () => number;
