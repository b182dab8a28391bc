// Turns tracing on: an OpenTelemetry tracer provider exporting over OTLP/HTTP (JSON), registered
// globally (W3C trace context propagation, async-local context), and handed to the span helpers.
// The SDK is loaded only here, and only when tracing is configured: a node without it never loads it.
// Spans that cannot be exported (the collector is down) are dropped, never retried at the cost of
// delivery; the log says so once a minute at most.
import { context, diag, DiagLogLevel, propagation, trace, type DiagLogger } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { TracingConfig } from '../config';
import type { Logger } from '../log';
import { useTracer } from './spans';

export interface Tracing {
  /** Exports what is buffered and turns tracing off. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  version: string;
  /** Told when spans cannot be exported. */
  log?: Logger;
  /** Replaces the OTLP exporter (tests). */
  exporter?: SpanExporter;
}

const EXPORT_ERROR_LOG_INTERVAL_MS = 60_000;

let running: { stop: () => Promise<void>; users: number } | undefined;

/**
 * One provider per process (OpenTelemetry's API is global): a second gateway in the same process
 * shares the first one's.
 */
export function startTracing(settings: TracingConfig, options: TracingOptions): Tracing {
  if (running) running.users++;
  else running = { stop: register(settings, options), users: 1 };
  const own = running;
  let stopped = false;
  return {
    async shutdown() {
      if (stopped) return;
      stopped = true;
      if (--own.users > 0) return;
      if (running === own) running = undefined;
      await own.stop();
    },
  };
}

function register(settings: TracingConfig, { version, log, exporter }: TracingOptions): () => Promise<void> {
  // Loaded here rather than imported at the top: see the file comment.
  const sdk = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } = require('@opentelemetry/semantic-conventions') as typeof import('@opentelemetry/semantic-conventions');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');

  const ratio = new sdk.TraceIdRatioBasedSampler(settings.samplerRatio);
  const root = {
    always_on: new sdk.AlwaysOnSampler(),
    always_off: new sdk.AlwaysOffSampler(),
    traceidratio: ratio,
  }[settings.sampler.replace(/^parentbased_/, '') as 'always_on' | 'always_off' | 'traceidratio'];
  const provider = new sdk.NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName, [ATTR_SERVICE_VERSION]: version }),
    sampler: settings.sampler.startsWith('parentbased_') ? new sdk.ParentBasedSampler({ root }) : root,
    spanProcessors: [new sdk.BatchSpanProcessor(exporter ?? new OTLPTraceExporter({ url: settings.tracesUrl }))],
  });
  if (log) diag.setLogger(exportErrors(log), { logLevel: DiagLogLevel.ERROR, suppressOverrideMessage: true });
  provider.register();
  useTracer(provider.getTracer('switchyard', version));
  return async () => {
    useTracer(undefined);
    try {
      await provider.shutdown(); // exports what is still buffered; rejects when that fails
    } finally {
      trace.disable();
      context.disable();
      propagation.disable();
      diag.disable();
    }
  };
}

/** The SDK reports a failed export as an error through its diagnostic logger: one warning a minute. */
export function exportErrors(log: Logger): DiagLogger {
  let last = -Infinity;
  let unreported = 0;
  const ignore = () => undefined;
  return {
    error(message: string) {
      if (Date.now() - last < EXPORT_ERROR_LOG_INTERVAL_MS) return void unreported++;
      log.warn({ reason: message, unreported }, 'tracing: spans could not be exported and are dropped (logged once a minute; unreported: failures since the last line)');
      last = Date.now();
      unreported = 0;
    },
    warn: ignore,
    info: ignore,
    debug: ignore,
    verbose: ignore,
  };
}
