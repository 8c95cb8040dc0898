export * from './gen-ai.attributes.js';
export * from './telemetry.sdk.js';
