/** A `GoldenProducer` (libs/queue): where started runs' jobs go. */
export const GOLDEN_PRODUCER = Symbol('GOLDEN_PRODUCER');
/** The configured chat model ids: what a golden run may call. */
export const GOLDEN_CHAT_MODELS = Symbol('GOLDEN_CHAT_MODELS');
/** The BullMQ queue behind the producer, closed with the module. */
export const GOLDEN_QUEUE = Symbol('GOLDEN_QUEUE');
