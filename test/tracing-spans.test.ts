// The span helpers (src/tracing/spans.ts): nothing at all while tracing is off; with it on, one
// trace from the HTTP request's traceparent through produce and consume to the socket write.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { startTracing, type Tracing } from '../src/tracing/setup';
import {
  consumeFromHeaders,
  consumeInContext,
  contextOf,
  endDeliver,
  endWhenSettled,
  injectInto,
  startDeliver,
  startProduce,
  tracePublish,
  tracingOn,
} from '../src/tracing/spans';
import { SpanCollector, tracingSettings } from './helpers/span-collector';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${CALLER_SPAN}-01`;

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const traceOf = (span: ReadableSpan) => span.spanContext().traceId;

describe('with tracing off', () => {
  it('runs the publish and hands back the handler result itself: no span, no wrapping', async () => {
    expect(tracingOn()).toBe(false);
    expect(await tracePublish({ traceparent: TRACEPARENT }, 'pizza', async () => 'done')).toBe('done');
    expect(startProduce('kafka', 'switchyard.pizza', 'id-1')).toBeUndefined();
    expect(startDeliver('store:1')).toBeUndefined();
    const pending = Promise.resolve('handled');
    expect(consumeInContext('switchyard.memory', 'pizza', 'id-1', undefined, () => pending)).toBe(pending);
    expect(consumeFromHeaders('kafka', 'switchyard.pizza', 'id-1', { traceparent: Buffer.from(TRACEPARENT) }, () => pending)).toBe(pending);
  });

  it('passes errors through unchanged', async () => {
    const error = new Error('nope');
    await expect(tracePublish({}, 'pizza', () => Promise.reject(error))).rejects.toBe(error);
    expect(() => consumeInContext('switchyard.memory', 'pizza', 'id', undefined, () => { throw error; })).toThrow(error);
  });
});

describe('with tracing on', () => {
  let collector: SpanCollector;
  let tracing: Tracing;
  beforeEach(() => {
    collector = new SpanCollector();
    tracing = startTracing(tracingSettings(), { version: '1.2.3', exporter: collector });
  });
  afterEach(() => tracing.shutdown());

  /** Shuts tracing down (exporting every span) and returns what was exported. */
  async function exported(): Promise<ReadableSpan[]> {
    await tracing.shutdown();
    return collector.spans;
  }

  it('chains publish -> produce -> consume -> deliver in the caller\'s trace, the context passed in-process', async () => {
    let queued: ReturnType<typeof contextOf> | undefined;
    await tracePublish({ traceparent: TRACEPARENT }, 'pizza', async () => {
      const produce = startProduce('switchyard.memory', 'pizza', 'id-1')!;
      queued = contextOf(produce);
      produce.end();
    });
    await consumeInContext('switchyard.memory', 'pizza', 'id-1', queued, async () => {
      await new Promise((r) => setImmediate(r)); // the context survives an await (async-local storage)
      endDeliver(startDeliver('store:1')!, 3);
    });

    await exported();
    const [publish, produce, consume, deliver] = ['POST /publish/v1/{api}', 'send pizza', 'process pizza', 'deliver'].map((name) => {
      const spans = collector.named(name);
      expect(spans).toHaveLength(1);
      return spans[0];
    });
    for (const span of [publish, produce, consume, deliver]) expect(traceOf(span)).toBe(TRACE_ID);
    expect(parentOf(publish)).toBe(CALLER_SPAN);
    expect(parentOf(produce)).toBe(idOf(publish));
    expect(parentOf(consume)).toBe(idOf(produce));
    expect(parentOf(deliver)).toBe(idOf(consume));
    expect([publish.kind, produce.kind, consume.kind, deliver.kind]).toEqual([SpanKind.SERVER, SpanKind.PRODUCER, SpanKind.CONSUMER, SpanKind.INTERNAL]);
    expect(publish.attributes).toMatchObject({ 'http.route': '/publish/v1/{api}', 'http.response.status_code': 202, 'switchyard.api': 'pizza' });
    expect(produce.attributes).toMatchObject({ 'messaging.system': 'switchyard.memory', 'messaging.destination.name': 'pizza', 'messaging.message.id': 'id-1' });
    expect(deliver.attributes).toMatchObject({ 'switchyard.audience': 'store:1', 'switchyard.delivered_sockets': 3 });
    expect(publish.resource.attributes).toMatchObject({ 'service.name': 'switchyard', 'service.version': '1.2.3' });
  });

  it('names a socket.io broadcast\'s audience by its rooms', async () => {
    endDeliver(startDeliver(['workspace:w1', 'channel:c1'])!, 4);
    const [deliver] = await exported();
    expect(deliver.attributes).toEqual({ 'switchyard.audience': 'workspace:w1,channel:c1', 'switchyard.delivered_sockets': 4 });
  });

  it('carries the context in record headers (Kafka): traceparent out, continued from Buffers in', async () => {
    const headers: Record<string, string> = { message: 'CREATE_PIZZA' };
    const produce = startProduce('kafka', 'switchyard.pizza', 'id-2')!;
    injectInto(produce, headers);
    produce.end();
    expect(headers.traceparent).toBe(`00-${produce.spanContext().traceId}-${produce.spanContext().spanId}-01`);

    const asKafkaGivesThem = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)]));
    consumeFromHeaders('kafka', 'switchyard.pizza', 'id-2', asKafkaGivesThem, () => undefined);
    const [consume] = (await exported()).filter((s) => s.name === 'process switchyard.pizza');
    expect(traceOf(consume)).toBe(produce.spanContext().traceId);
    expect(parentOf(consume)).toBe(produce.spanContext().spanId);
  });

  it('starts a new trace for a record without trace headers (a producer that does not trace)', async () => {
    consumeFromHeaders('kafka', 'switchyard.pizza', 'id-3', undefined, () => undefined);
    consumeInContext('switchyard.memory', 'pizza', 'id-4', undefined, () => undefined);
    const spans = await exported();
    expect(spans.map((s) => s.name).sort()).toEqual(['process pizza', 'process switchyard.pizza']);
    for (const span of spans) expect(parentOf(span)).toBeUndefined();
  });

  it('marks a 5xx or an unexpected error failed, and records a 4xx as its status code only', async () => {
    const clientError = Object.assign(new Error('bad envelope'), { status: 422 });
    const outage = Object.assign(new Error('bus down'), { status: 503 });
    await expect(tracePublish({}, 'games', () => Promise.reject(clientError))).rejects.toBe(clientError);
    await expect(tracePublish({}, 'games', () => Promise.reject(outage))).rejects.toBe(outage);
    await expect(tracePublish({}, 'games', () => Promise.reject(new TypeError('bug')))).rejects.toThrow('bug');
    const spans = await exported();
    expect(spans.map((s) => [s.attributes['http.response.status_code'], s.status.code])).toEqual([
      [422, SpanStatusCode.UNSET],
      [503, SpanStatusCode.ERROR],
      [500, SpanStatusCode.ERROR],
    ]);
  });

  it('ends produce and consume spans when their promise settles, failed when it rejects', async () => {
    const failure = new Error('no acknowledgement');
    await expect(endWhenSettled(startProduce('kafka', 't', 'a')!, Promise.reject(failure))).rejects.toBe(failure);
    await expect(endWhenSettled(startProduce('kafka', 't', 'b')!, Promise.resolve(7))).resolves.toBe(7);
    await expect(consumeInContext('switchyard.memory', 'games', 'c', undefined, () => Promise.reject(failure))).rejects.toBe(failure);
    expect(() => consumeInContext('switchyard.memory', 'games', 'd', undefined, () => { throw failure; })).toThrow(failure);
    const spans = await exported();
    const status = Object.fromEntries(spans.map((s) => [s.attributes['messaging.message.id'], s.status.code]));
    expect(status).toEqual({ a: SpanStatusCode.ERROR, b: SpanStatusCode.UNSET, c: SpanStatusCode.ERROR, d: SpanStatusCode.ERROR });
    expect(spans.find((s) => s.attributes['messaging.message.id'] === 'a')!.events[0].name).toBe('exception');
  });
});
