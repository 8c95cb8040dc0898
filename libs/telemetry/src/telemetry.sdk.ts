import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { AlwaysOffSampler, BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export interface TelemetryOptions {
  serviceName: string;
  /** OTLP/HTTP base endpoint, e.g. http://collector:4318. Unset: spans get real ids but are not exported. */
  otlpEndpoint?: string;
  /** Extra processors, e.g. an in-memory exporter in tests. */
  spanProcessors?: SpanProcessor[];
}

export interface Telemetry {
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK once per process. A tracer provider is always registered, even
 * without an exporter, because span ids are Switchyard's primary key for every call and score.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const processors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (options.otlpEndpoint) {
    const url = `${options.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`;
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url })));
  }
  // With no processor at all the SDK registers nothing, and every span id would be all zeros.
  // Nobody reads the spans then: they are not recorded (still with real ids), which spares the
  // request path building attributes that would be thrown away.
  const unread = processors.length === 0;
  if (unread) processors.push(new NoopSpanProcessor());
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    spanProcessors: processors,
    ...(unread && { sampler: new AlwaysOffSampler() }),
    // No auto-instrumentation: the gateway records one span per call itself, and patching
    // http/undici on the hot path would cost more than the span is worth.
    instrumentations: [],
    // Metrics and logs are not exported through the SDK (yet); keep it from reading OTEL_* for them.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
