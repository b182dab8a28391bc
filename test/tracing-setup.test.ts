// Turning tracing on and off (src/tracing/setup.ts): samplers from OTEL_TRACES_SAMPLER, one
// provider per process however many gateways share it, and nothing left on after shutdown.
import pino from 'pino';
import { exportErrors, startTracing } from '../src/tracing/setup';
import { tracePublish, tracingOn } from '../src/tracing/spans';
import { SpanCollector, tracingSettings } from './helpers/span-collector';

const SAMPLED = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const NOT_SAMPLED = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00';

/** How many of these publishes (with these traceparents, or none) export a span under `env`'s sampler. */
async function sampledCount(env: Record<string, string>, traceparents: Array<string | undefined>): Promise<number> {
  const collector = new SpanCollector();
  const tracing = startTracing(tracingSettings(env), { version: '0.0.0', exporter: collector });
  for (const traceparent of traceparents) await tracePublish(traceparent ? { traceparent } : {}, 'pizza', async () => undefined);
  await tracing.shutdown();
  return collector.spans.length;
}

describe('samplers', () => {
  it('parentbased_always_on (the default) follows the caller\'s decision and samples new traces', async () => {
    expect(await sampledCount({}, [SAMPLED, NOT_SAMPLED, undefined])).toBe(2);
  });

  it('always_off and parentbased_always_off', async () => {
    expect(await sampledCount({ OTEL_TRACES_SAMPLER: 'always_off' }, [SAMPLED, undefined])).toBe(0);
    expect(await sampledCount({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' }, [SAMPLED, NOT_SAMPLED, undefined])).toBe(1);
  });

  it('traceidratio with OTEL_TRACES_SAMPLER_ARG 0 and 1', async () => {
    const fresh = Array.from({ length: 20 }, () => undefined);
    expect(await sampledCount({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }, fresh)).toBe(0);
    expect(await sampledCount({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1' }, fresh)).toBe(20);
    expect(await sampledCount({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }, [SAMPLED, ...fresh])).toBe(1);
  });
});

describe('lifecycle', () => {
  it('is off until started and after the last user shut it down; a second start shares the first', async () => {
    expect(tracingOn()).toBe(false);
    const first = new SpanCollector();
    const a = startTracing(tracingSettings(), { version: '0.0.0', exporter: first });
    const b = startTracing(tracingSettings(), { version: '0.0.0', exporter: new SpanCollector() });
    await a.shutdown();
    await a.shutdown(); // twice counts once
    expect(tracingOn()).toBe(true);
    await tracePublish({}, 'games', async () => undefined);
    await b.shutdown();
    expect(tracingOn()).toBe(false);
    expect(first.spans).toHaveLength(1);

    const again = new SpanCollector();
    const c = startTracing(tracingSettings(), { version: '0.0.0', exporter: again });
    await tracePublish({ traceparent: SAMPLED }, 'games', async () => undefined);
    await c.shutdown();
    expect(again.spans.map((s) => s.spanContext().traceId)).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736']);
  });
});

describe('export failures', () => {
  it('fail the last export at shutdown, which still turns tracing off', async () => {
    const failing = new SpanCollector();
    failing.export = (_spans, done) => done({ code: 1, error: new Error('connect ECONNREFUSED 127.0.0.1:4318') } as { code: number });
    const tracing = startTracing(tracingSettings(), { version: '0.0.0', exporter: failing });
    await tracePublish({}, 'pizza', async () => undefined);
    await expect(tracing.shutdown()).rejects.toThrow('ECONNREFUSED');
    expect(tracingOn()).toBe(false);
    const again = new SpanCollector();
    const next = startTracing(tracingSettings(), { version: '0.0.0', exporter: again });
    await tracePublish({}, 'pizza', async () => undefined);
    await next.shutdown();
    expect(again.spans).toHaveLength(1);
  });

  it('reported by the SDK in between are logged as a warning, once a minute at most', () => {
    const log = pino({ level: 'silent' });
    const warn = jest.spyOn(log, 'warn');
    const logger = exportErrors(log);
    for (let i = 0; i < 3; i++) logger.error('export failed');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toEqual({ reason: 'export failed', unreported: 0 });
  });
});
