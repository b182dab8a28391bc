// Turning tracing on and off (src/tracing/setup.ts): samplers from OTEL_TRACES_SAMPLER, one
// provider per process however many gateways share it, and nothing left on after shutdown.
import { startTracing } from '../src/tracing/setup';
import { tracePublish, tracingOn } from '../src/tracing/spans';
import { SpanCollector, tracingSettings } from './helpers/span-collector';

const SAMPLED = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const NOT_SAMPLED = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00';

/** How many of these publishes (with these traceparents, or none) export a span under `env`'s sampler. */
async function sampledCount(env: Record<string, string>, traceparents: Array<string | undefined>): Promise<number> {
  const collector = new SpanCollector();
  const tracing = startTracing(tracingSettings(env), '0.0.0', collector);
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
    const a = startTracing(tracingSettings(), '0.0.0', first);
    const b = startTracing(tracingSettings(), '0.0.0', new SpanCollector());
    await a.shutdown();
    await a.shutdown(); // twice counts once
    expect(tracingOn()).toBe(true);
    await tracePublish({}, 'games', async () => undefined);
    await b.shutdown();
    expect(tracingOn()).toBe(false);
    expect(first.spans).toHaveLength(1);

    const again = new SpanCollector();
    const c = startTracing(tracingSettings(), '0.0.0', again);
    await tracePublish({ traceparent: SAMPLED }, 'games', async () => undefined);
    await c.shutdown();
    expect(again.spans.map((s) => s.spanContext().traceId)).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736']);
  });
});
