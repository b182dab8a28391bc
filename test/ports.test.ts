// Choosing each port's implementation from config, and what the gateway reports about them
// (src/gateway/ports.ts): dead letters by bounded reason, outages and recoveries of Kafka and Redis.
// An outage is a real one: a broker or Redis URL nothing listens on.
import { loadConfig, type Config } from '../src/config';
import { KafkaBus } from '../src/bus/kafka-bus';
import { MemoryBus } from '../src/bus/memory-bus';
import { createBus, createStore } from '../src/gateway/ports';
import { createLogger } from '../src/log';
import { tooDeep } from '../src/validation/json-depth';
import { Metrics } from '../src/metrics';
import { DeadLetterError, type Envelope } from '../src/ports/bus';
import { MemoryStore } from '../src/store/memory-store';
import { RedisStore } from '../src/store/redis-store';
import { freePort } from './helpers/process';
import { metricValue } from './helpers/raw-http';
import { waitFor } from './helpers/wait';
import { describeWithRedis } from './services/services';

interface Line {
  level: number;
  msg: string;
  [key: string]: unknown;
}

let lines: Line[];
let metrics: Metrics;
const log = () => createLogger({ logLevel: 'debug' }, { write: (s: string) => lines.push(JSON.parse(s)) });
const config = (env: Record<string, string> = {}): Config => loadConfig({ LOG_LEVEL: 'silent', DEPENDENCY_TIMEOUT_MS: '500', DEPENDENCY_RECONNECT_MS: '100', ...env });
const sample = async (s: string) => metricValue(await metrics.registry.metrics(), s);
const closers: Array<() => Promise<void>> = [];

beforeEach(() => {
  lines = [];
  metrics = new Metrics({ defaultMetrics: false });
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('createBus without KAFKA_BROKERS', () => {
  let bus: MemoryBus;
  beforeEach(() => {
    bus = createBus(config(), log(), metrics) as MemoryBus;
    closers.push(() => bus.close());
  });

  it('is the in-process bus', () => {
    expect(bus).toBeInstanceOf(MemoryBus);
  });

  it.each([
    // The reasons the bus and the envelope check give (kafka-records.ts, json-depth.ts, check-envelope.ts).
    [tooDeep(64), 'too_deep'],
    ['value is not valid JSON', 'invalid_json'],
    ['unknown message "x" for api pizza', 'unknown_message'],
    ['not a publish envelope {message, to, data}', 'not_an_envelope'],
    ['data does not match the spec of CREATE_PIZZA: /data/price must be number', 'invalid_data'],
    ['"to" must name exactly one of "store_id" for CREATE_PIZZA', 'invalid_data'],
  ])('counts a dead letter "%s" as %s, and logs its reason', async (reason, kind) => {
    await bus.subscribe('pizza', 'work', () => {
      throw new DeadLetterError(reason);
    });
    await bus.publish('pizza', { id: 'r', message: 'CREATE_PIZZA', to: { store_id: 1 }, data: {} } as Envelope);
    await waitFor(async () => (await sample(`dlq_records_total{api="pizza",reason="${kind}"}`)) === 1, `the ${kind} dead letter`);
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: 'dead letter', api: 'pizza', reason }));
  });

  it('logs a handler failure that is not a dead letter as an error, and counts no dead letter', async () => {
    await bus.subscribe('games', 'work', () => {
      throw new Error('snapshot store down');
    });
    await bus.publish('games', { id: 'r-9', message: 'update', to: { pk: 1 }, data: {} } as Envelope);
    const line = await waitFor(() => lines.find((l) => l.msg === 'bus handler failed'), 'the failure to be logged');
    expect(line).toMatchObject({ level: 50, api: 'games', id: 'r-9' });
    expect(await metrics.registry.metrics()).not.toContain('dlq_records_total{');
  });
});

describe('createStore', () => {
  it('is the in-memory store without REDIS_URL', async () => {
    const store = createStore(config(), log(), metrics);
    closers.push(() => store.close());
    expect(store).toBeInstanceOf(MemoryStore);
  });

  it('reports an unreachable Redis once: an error line, redis down, one outage', async () => {
    const store = createStore(config({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` }), log(), metrics);
    closers.push(() => store.close());
    expect(store).toBeInstanceOf(RedisStore);
    const line = await waitFor(() => lines.find((l) => l.msg.startsWith('redis is unreachable')), 'the outage to be logged');
    expect(line).toMatchObject({ level: 50, dependency: 'redis', msg: 'redis is unreachable: requests that need it are answered 503 until it is back' });
    expect(typeof line.reason).toBe('string');
    expect(await sample('dependency_up{dependency="redis"}')).toBe(0);
    expect(await sample('dependency_outages_total{dependency="redis"}')).toBe(1);
    // Reconnect attempts while down are not new outages.
    await waitFor(async () => (await store.ready()) === false, 'the store to say it is not ready');
    expect(lines.filter((l) => l.msg.startsWith('redis is unreachable'))).toHaveLength(1);
  });
});

describe('createBus with KAFKA_BROKERS', () => {
  it('is the Kafka bus, and reports an unreachable broker as a kafka outage', async () => {
    const bus = createBus(config({ KAFKA_BROKERS: `127.0.0.1:${await freePort()}` }), log(), metrics);
    closers.push(() => bus.close());
    expect(bus).toBeInstanceOf(KafkaBus);
    const line = await waitFor(() => lines.find((l) => l.msg.startsWith('kafka is unreachable')), 'the outage to be logged');
    expect(line).toMatchObject({ level: 50, dependency: 'kafka' });
    expect(await sample('dependency_up{dependency="kafka"}')).toBe(0);
    expect(await sample('dependency_outages_total{dependency="kafka"}')).toBe(1);
  });
});

describeWithRedis('createStore with a reachable Redis', (url) => {
  it('reports the first connection as reachable, with no outage', async () => {
    const store = createStore(config({ REDIS_URL: url }), log(), metrics);
    closers.push(() => store.close());
    const line = await waitFor(() => lines.find((l) => l.msg === 'redis is reachable'), 'the connection to be logged');
    expect(line).toMatchObject({ level: 30, dependency: 'redis' });
    expect(line.downForMs).toBeUndefined();
    expect(await sample('dependency_up{dependency="redis"}')).toBe(1);
    expect(await sample('dependency_outages_total{dependency="redis"}')).toBe(0);
  });
});
