// The spans of one publish, from the HTTP request to the socket write: publish (HTTP server span,
// continuing the request's W3C traceparent) -> produce (bus send) -> consume (bus handler) ->
// deliver (one write of a broadcast to this node's sockets). The trace context travels in the Kafka
// record headers, or beside the record in the in-process bus.
//
// Off by default (src/tracing/setup.ts turns it on): then every helper returns at its first line,
// so the hot paths (fan-out, publish) create no span, context or carrier object.
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type TextMapGetter, type Tracer } from '@opentelemetry/api';

let tracer: Tracer | undefined;

/** Set by startTracing, cleared when it shuts down. */
export function useTracer(next: Tracer | undefined): void {
  tracer = next;
}

export function tracingOn(): boolean {
  return tracer !== undefined;
}

/** Where the bus carries a record: `kafka` (a topic) or the in-process bus (an api name). */
export type BusSystem = 'kafka' | 'switchyard.memory';

/** Kafka record headers as kafkajs hands them over: Buffers (strings when produced by us in-process). */
export type RecordHeaders = Record<string, Buffer | string | Array<Buffer | string> | undefined>;

const headerGetter: TextMapGetter<RecordHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get(carrier, key) {
    const value = carrier[key];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.map(String) : String(value);
  },
};

/**
 * Runs the HTTP publish inside a server span that continues the request's `traceparent`. A 5xx
 * (thrown with `status`, or any other error) marks the span failed; a 4xx is the client's fault
 * and only recorded as the status code (OpenTelemetry's HTTP conventions).
 */
export async function tracePublish<T>(headers: Record<string, string | string[] | undefined>, api: string, fn: () => Promise<T>): Promise<T> {
  if (tracer === undefined) return fn();
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = tracer.startSpan(
    'POST /publish/v1/{api}',
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'http.route': '/publish/v1/{api}', 'switchyard.api': api } },
    parent,
  );
  try {
    const result = await context.with(trace.setSpan(parent, span), fn);
    span.setAttribute('http.response.status_code', 202);
    return result;
  } catch (err) {
    const status = (err as { status?: unknown }).status;
    const code = typeof status === 'number' ? status : 500;
    span.setAttribute('http.response.status_code', code);
    if (code >= 500) fail(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** The produce span, a child of the active context; undefined when tracing is off. */
export function startProduce(system: BusSystem, destination: string, id: string): Span | undefined {
  if (tracer === undefined) return undefined;
  return tracer.startSpan(`send ${destination}`, { kind: SpanKind.PRODUCER, attributes: messaging(system, destination, 'send', id) });
}

/** The context a consumer continues from: the produce span's (in-process bus). */
export function contextOf(span: Span): Context {
  return trace.setSpan(context.active(), span);
}

/** Writes the span's context into record headers as `traceparent` (and `tracestate`). */
export function injectInto(span: Span, headers: Record<string, string>): void {
  propagation.inject(contextOf(span), headers);
}

/** Ends the span when the send settles, failed if it failed. */
export function endWhenSettled<T>(span: Span, sending: Promise<T>): Promise<T> {
  return sending.then(
    (value) => {
      span.end();
      return value;
    },
    (err: unknown) => {
      fail(span, err);
      span.end();
      throw err;
    },
  );
}

/** Runs a bus handler inside the consume span, continuing the produce span's context (in-process bus). */
export function consumeInContext<T>(system: BusSystem, destination: string, id: string, parent: Context | undefined, handler: () => T): T {
  if (tracer === undefined) return handler();
  return consume(tracer, system, destination, id, parent ?? ROOT_CONTEXT, handler);
}

/** Runs a bus handler inside the consume span, continuing the `traceparent` of the record's headers (Kafka). */
export function consumeFromHeaders<T>(system: BusSystem, destination: string, id: string, headers: RecordHeaders | undefined, handler: () => T): T {
  if (tracer === undefined) return handler();
  return consume(tracer, system, destination, id, propagation.extract(ROOT_CONTEXT, headers ?? {}, headerGetter), handler);
}

function consume<T>(active: Tracer, system: BusSystem, destination: string, id: string, parent: Context, handler: () => T): T {
  const span = active.startSpan(`process ${destination}`, { kind: SpanKind.CONSUMER, attributes: messaging(system, destination, 'process', id) }, parent);
  let result: T;
  try {
    result = context.with(trace.setSpan(parent, span), handler);
  } catch (err) {
    fail(span, err);
    span.end();
    throw err;
  }
  if (result instanceof Promise) return endWhenSettled(span, result) as T;
  span.end();
  return result;
}

/**
 * The deliver span of one broadcast (one frame written to every socket of an audience on this node),
 * a child of the active context (the consume span); undefined when tracing is off. One span per
 * broadcast, not per socket: at fan-out a span per write would cost more than the write.
 */
export function startDeliver(audience: string | readonly string[]): Span | undefined {
  if (tracer === undefined) return undefined;
  const attributes = { 'switchyard.audience': typeof audience === 'string' ? audience : audience.join(',') };
  return tracer.startSpan('deliver', { kind: SpanKind.INTERNAL, attributes });
}

export function endDeliver(span: Span, sockets: number): void {
  span.setAttribute('switchyard.delivered_sockets', sockets);
  span.end();
}

function messaging(system: BusSystem, destination: string, operation: 'send' | 'process', id: string) {
  return {
    'messaging.system': system,
    'messaging.destination.name': destination,
    'messaging.operation.type': operation,
    'messaging.operation.name': operation,
    'messaging.message.id': id,
  };
}

function fail(span: Span, err: unknown): void {
  if (err instanceof Error) span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}
