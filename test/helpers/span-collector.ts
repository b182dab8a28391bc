// A span exporter that keeps what it is given, for tests of the tracing helpers (src/tracing/).
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-node';
import { loadConfig, type TracingConfig } from '../../src/config';

export class SpanCollector implements SpanExporter {
  readonly spans: ReadableSpan[] = [];

  export(spans: ReadableSpan[], done: (result: { code: number }) => void): void {
    this.spans.push(...spans);
    done({ code: 0 });
  }

  async shutdown(): Promise<void> {}

  named(name: string): ReadableSpan[] {
    return this.spans.filter((s) => s.name === name);
  }
}

/** Tracing settings as the configuration makes them from `env` (the endpoint is unused with a collector). */
export function tracingSettings(env: Record<string, string> = {}): TracingConfig {
  return loadConfig({ OTEL_TRACES_EXPORTER: 'otlp', ...env }).tracing!;
}
