// Tracing end to end: a publish over HTTP with a W3C traceparent reaches a pizza socket, and a plain
// OTLP/HTTP receiver gets the spans publish -> produce -> consume -> deliver in the caller's trace,
// once on the in-process bus and once on real Kafka (the context in the record headers). The gateway
// runs as `switchyard serve` in a child process: the OTLP exporter loads node:http with a dynamic
// import(), which Jest's module sandbox refuses, and a real process is what an operator runs anyway.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { DEV_JWT_SECRET } from '../src/config';
import { signToken } from '../src/auth/token';
import { call } from './helpers/gateway';
import { startServeProcess, type ServeProcess } from './helpers/process';
import { waitFor } from './helpers/wait';
import { connect } from './helpers/ws';
import { describeWithKafka } from './services/services';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';

/** A span as OTLP/HTTP JSON carries it (ids in hex). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: number | string } }>;
}
const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;

/** A stand-in OpenTelemetry collector: keeps every span POSTed to /v1/traces. */
async function otlpReceiver(): Promise<{ url: string; spans: OtlpSpan[]; contentTypes: string[]; server: Server }> {
  const spans: OtlpSpan[] = [];
  const contentTypes: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        contentTypes.push(String(req.headers['content-type']));
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
        for (const r of body.resourceSpans) for (const s of r.scopeSpans) spans.push(...s.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, contentTypes, server };
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue));
};

const pizza = (storeId: number) => ({
  uuid: '9b2f4a40-5c1e-4f7a-9a55-2a0c1c3f2b11', name: 'Margherita', store_id: storeId,
  user_uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6', size: 30, accepted: false, price: 9.5,
  description: 'Tomato', img_url: 'https://example.com/p.png',
  created_date: '2020-05-01T12:00:00Z', time_prepared: '2020-05-01T12:20:00Z',
});

const token = (sub: string, claims: Record<string, unknown>, scope?: string) => signToken(DEV_JWT_SECRET, { sub, claims, scope });

async function publishTraced(url: string) {
  return call(`${url}/publish/v1/pizza`, {
    headers: { authorization: `Bearer ${await token('pizza-service', {}, 'publish')}`, traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` },
    body: { message: 'CREATE_PIZZA', to: { store_id: 7 }, data: pizza(7) },
  });
}

/**
 * Two pizza sockets of one store hear a publish sent with a traceparent; after the gateway stopped
 * (which exports what is buffered), the receiver holds one chain in the caller's trace.
 * `consumers`: how many times the gateway reads a pizza record: live fan-out, and on Kafka also the
 * work group that dead-letters records the spec rejects (the in-process bus carries none).
 */
function tracesOnePublish(env: () => Record<string, string>, destination: string, system: string, consumers: number): void {
  it('exports publish -> produce -> consume -> deliver in the caller\'s trace, deliver counting the sockets written', async () => {
    const receiver = await otlpReceiver();
    let gw: ServeProcess | undefined;
    try {
      gw = await startServeProcess({ ...env(), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, 90_000);
      await waitFor(async () => (await call(`${gw!.url}/readyz`)).status === 200, 'readiness', 60_000);
      const manager = await token('manager-7', { store_id: 7 });
      const sockets = await Promise.all([1, 2].map(async () => {
        const ticket = (await call(`${gw!.url}/api/v1/ws/ticket`, { headers: { authorization: `Bearer ${manager}` } })).body.token as string;
        const socket = await connect(`${gw!.url.replace('http', 'ws')}/ws?key=${ticket}`);
        // Its ticket is used once the socket was admitted to the store: a second use is refused.
        await waitFor(async () => (await (await connect(`${gw!.url.replace('http', 'ws')}/ws?key=${ticket}`)).closed).code === 4001, 'admission');
        return socket;
      }));

      const published = await publishTraced(gw.url);
      expect(published.status).toBe(202);
      for (const socket of sockets) expect(await socket.next()).toMatchObject({ event_name: 'CREATE_PIZZA' });
      for (const socket of sockets) socket.ws.close();
      gw.child.kill('SIGTERM'); // the gateway exports what is buffered before it exits
      expect(await gw.exited).toBe(0);
      gw = undefined;

      const spans = receiver.spans.filter((s) => s.traceId === TRACE_ID);
      const one = (predicate: (s: OtlpSpan) => boolean, what: string) => {
        const found = spans.filter(predicate);
        expect({ what, count: found.length }).toEqual({ what, count: 1 });
        return found[0];
      };
      const publish = one((s) => s.kind === SERVER, 'publish');
      const produce = one((s) => s.kind === PRODUCER, 'produce');
      const deliver = one((s) => s.name === 'deliver', 'deliver');
      const consumes = spans.filter((s) => s.kind === CONSUMER);
      expect(consumes).toHaveLength(consumers);
      const consume = one((s) => s.spanId === deliver.parentSpanId, 'the consume span deliver hangs from');

      expect(publish.name).toBe('POST /publish/v1/{api}');
      expect(publish.parentSpanId).toBe(CALLER_SPAN);
      expect(attribute(publish, 'http.response.status_code')).toBe(202);
      expect(produce).toMatchObject({ name: `send ${destination}`, parentSpanId: publish.spanId });
      for (const c of consumes) expect(c).toMatchObject({ name: `process ${destination}`, parentSpanId: produce.spanId });
      expect(consume.kind).toBe(CONSUMER);
      expect(attribute(produce, 'messaging.system')).toBe(system);
      expect(attribute(produce, 'messaging.message.id')).toBe(published.body.id);
      expect(attribute(deliver, 'switchyard.delivered_sockets')).toBe(2);
      expect(attribute(deliver, 'switchyard.audience')).toBe('store:7');
      expect(new Set(receiver.contentTypes)).toEqual(new Set(['application/json']));
    } finally {
      gw?.child.kill('SIGKILL');
      receiver.server.close();
    }
  }, 180_000);
}

describe('tracing on the in-process bus', () => {
  tracesOnePublish(() => ({}), 'pizza', 'switchyard.memory', 1);

  it('exports nothing with OTEL_TRACES_EXPORTER=none, though an endpoint is set', async () => {
    const receiver = await otlpReceiver();
    const gw = await startServeProcess({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    try {
      expect((await publishTraced(gw.url)).status).toBe(202);
      gw.child.kill('SIGTERM');
      expect(await gw.exited).toBe(0);
      expect(receiver.contentTypes).toEqual([]);
    } finally {
      gw.child.kill('SIGKILL');
      receiver.server.close();
    }
  }, 60_000);
});

describeWithKafka('tracing on Kafka', (brokers) => {
  const run = randomUUID().slice(0, 8);
  tracesOnePublish(
    () => ({ KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: `tracing.${run}.`, KAFKA_CLIENT_ID: `tracing-${run}`, KAFKA_PARTITIONS: '1' }),
    `tracing.${run}.pizza`,
    'kafka',
    2,
  );
});
