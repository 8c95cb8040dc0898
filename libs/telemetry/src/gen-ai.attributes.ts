export {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
} from '@opentelemetry/semantic-conventions/incubating';

/** Switchyard's own span attributes. Names are persisted in trace backends: never rename one. */
export const SwitchyardAttr = Object.freeze({
  WORKLOAD: 'switchyard.workload',
  POLICY_VERSION: 'switchyard.policy.version',
  STRATEGY: 'switchyard.routing.strategy',
  RULE: 'switchyard.routing.rule',
  /** Deployments left out or skipped because their circuit breaker was open. */
  BREAKERS_OPEN: 'switchyard.routing.breakers_open',
  CANARY_ARM: 'switchyard.routing.canary',
  CANDIDATES: 'switchyard.routing.candidates',
  CHOSEN_MODEL: 'switchyard.routing.chosen_model',
  ATTEMPTS: 'switchyard.attempts',
  FALLBACK_REASON: 'switchyard.fallback_reason',
  COST_USD: 'switchyard.cost_usd',
  TENANT: 'switchyard.tenant',
  TTFT_MS: 'switchyard.ttft_ms',
  ERROR_CLASS: 'switchyard.error_class',
  INTERNAL: 'switchyard.internal',
  /** judge, golden or shadow: the gateway's own evaluation calls. */
  ORIGIN: 'switchyard.origin',
  /** `exact` when the answer came from the response cache, with no upstream call. */
  CACHE: 'switchyard.cache',
} as const);
