// Kafka outages, against a broker of this file's own (scripts/kafka.sh) and a gateway process:
// - a node started while its broker is down serves HTTP, reports not ready and retries; once the
//   broker is up it becomes ready and delivers; a broker restart is survived;
// - the broker stopped for 20 s and for 60 s under publish traffic: every publish is answered 202
//   or 503 with Retry-After within the bound, nothing answered 202 is lost (an event is stored, once:
//   the publishers repeat a 503 with the same Idempotency-Key; a pizza event reaches the socket
//   open all along), /readyz shows the outage and is ready again within 2 s of the broker's
//   return, and the gateway logs one line for the outage and one for its end.
// Once per Kafka client (KAFKA_CLIENT): kafkajs, and @platformatic/kafka where the Node runs it (>= 22.22).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logLevel } from 'kafkajs';
import { signToken } from '../src/auth/token';
import { kafkajsClient } from '../src/bus/kafkajs-idle-loop';
import { gameSnapshot } from './helpers/examples';
import { call } from './helpers/gateway';
import { Answers, firstTime, logLines, longest, outageSeen, printFigures, unexpected, watch } from './helpers/outage';
import { freePort, ROOT, startServeProcess, type ServeProcess } from './helpers/process';
import { sleep, waitFor } from './helpers/wait';
import { connect, type TestSocket } from './helpers/ws';
import { runScript } from './services/global-setup';
import { describeWithKafka } from './services/services';
import { platformaticSupports } from '../src/config';

jest.setTimeout(300_000);

const JWT_SECRET = 'kafka-outage-jwt-secret';
const API_SECRET = 'kafka-outage-secret';
/** The bound on any answer during an outage; DEPENDENCY_TIMEOUT_MS (default 3 s) keeps under it. */
const ANSWER_BOUND_MS = 5_000;
const READY_AGAIN_WITHIN_MS = 2_000;
/** The pizza store (and game) whose socket hears the live events of the outage scenarios. */
const LIVE_STORE = 77;

const CLIENTS = ['kafkajs', ...(platformaticSupports(process.versions.node) ? ['platformatic'] : [])];

for (const client of CLIENTS) describeWithKafka(`Kafka outages (KAFKA_CLIENT=${client})`, () => {
  const state = mkdtempSync(join(tmpdir(), 'switchyard-outage-'));
  const kafka = async (args: string[], env: Record<string, string> = {}) => {
    const env_ = { ...process.env, KAFKA_STATE_DIR: state, SWITCHYARD_OWNER_PID: String(process.pid), ...env };
    const r = await runScript(join(ROOT, 'scripts', 'kafka.sh'), args, env_, 'kafka');
    if (r.code !== 0) throw new Error(`kafka.sh ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
  };
  let node: ServeProcess;
  let broker: string;
  let headers: Record<string, string>;

  const readyz = async () => (await call(`${node.url}/readyz`).catch(() => ({ status: 0 }))).status;
  async function storeSocket(storeId: number): Promise<TestSocket> {
    const manager = await signToken(JWT_SECRET, { sub: 'm', claims: { store_id: storeId } });
    const ticket = (await call(`${node.url}/api/v1/ws/ticket`, { headers: { authorization: `Bearer ${manager}` } })).body.token;
    return connect(`${node.url.replace('http', 'ws')}/ws?key=${ticket}`);
  }
  /** Publishes until the socket hears it: records published while consumers rejoin may be missed. */
  async function deliveredEventually(socket: TestSocket, storeId: number): Promise<void> {
    await waitFor(async () => {
      const r = await call(`${node.url}/publish/v1/pizza`, { headers, body: { message: 'ACCEPT_PIZZA', to: { store_id: storeId }, data: [] } });
      if (r.status !== 202) return false;
      return socket.frames.length > 0 || (await new Promise((res) => setTimeout(() => res(socket.frames.length > 0), 500)));
    }, 'a delivery through Kafka', 120_000);
  }

  beforeAll(async () => {
    broker = `127.0.0.1:${await freePort()}`;
    node = await startServeProcess({
      KAFKA_BROKERS: broker,
      KAFKA_TOPIC_PREFIX: `outage.${broker.split(':')[1]}.`,
      KAFKA_CLIENT_ID: `outage-${broker.split(':')[1]}`,
      KAFKA_CLIENT: client,
      AUTH_JWT_SECRET: JWT_SECRET,
      API_SECRET,
      POLL_TIMEOUT_MS: '200',
    });
    headers = { authorization: `Bearer ${await signToken(JWT_SECRET, { sub: 'svc', scope: 'publish' })}` };
  });
  afterAll(async () => {
    if (node?.child.exitCode === null) {
      node.child.kill('SIGTERM');
      await node.exited;
    }
    try {
      await kafka(['stop']);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });

  it('starts with the broker down: serves HTTP, is not ready, then becomes ready and delivers', async () => {
    expect((await call(`${node.url}/healthz`)).status).toBe(200);
    expect(await readyz()).toBe(503);
    await kafka(['start'], { KAFKA_PORT: broker.split(':')[1] });
    await waitFor(async () => (await readyz()) === 200, 'readiness after the broker came up', 120_000);
    const socket = await storeSocket(1);
    await deliveredEventually(socket, 1);
    socket.ws.close();
  });

  it('survives a broker restart: delivery resumes', async () => {
    const socket = await storeSocket(2);
    await deliveredEventually(socket, 2);
    await kafka(['restart']);
    socket.frames.length = 0;
    await deliveredEventually(socket, 2);
    socket.ws.close();
  });

  /** The broker answers a metadata request right now (no retries): when it is back, for the clock. */
  async function brokerAnswers(): Promise<boolean> {
    // The gateway's factory: with KAFKA_CLIENT=platformatic nothing else patches this process's kafkajs.
    const admin = kafkajsClient({ clientId: 'outage-probe', brokers: [broker], logLevel: logLevel.NOTHING, connectionTimeout: 500, retry: { retries: 0 } }).admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      return true;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Every event of a channel, read through the events API: key -> how many times it is stored. */
  async function storedKeys(channel: string): Promise<Map<string, number>> {
    const keys = new Map<string, number>();
    for (let after = 0; ; ) {
      const r = await call(`${node.url}/events/v1/events?clientId=check&channel=${channel}&secret=${API_SECRET}&after=${after}&limit=100`);
      const events = r.body as Array<{ id: number; data: { key: string } }>;
      if (!Array.isArray(events) || events.length === 0) return keys;
      for (const e of events) keys.set(e.data.key, (keys.get(e.data.key) ?? 0) + 1);
      after = events[events.length - 1].id;
    }
  }

  async function publishThroughOutage(scenario: string, outageMs: number): Promise<void> {
    await kafka(['start'], { KAFKA_PORT: broker.split(':')[1] }); // already running, unless this test runs alone
    await waitFor(async () => (await readyz()) === 200, 'readiness before the outage', 120_000);
    const channel = `${scenario.replace(/\W+/g, '-')}-${Date.now()}`;
    const answers = new Answers();
    const acked = new Map<string, number>(); // key -> when the 202 came
    const ackedLive = new Set<string>();
    let stopping = false;
    // Publishers that mean it: a 503 is repeated with the same Idempotency-Key until it is accepted
    // (most wait the Retry-After, some retry every 100 ms). Most publish events (stored by the work
    // consumer, read back through the events API); two publish to a pizza socket (live delivery).
    const publisher = async (c: number, patient: boolean, live: boolean) => {
      for (let n = 0; !stopping; n++) {
        const key = live ? randomUUID() : `${channel}/${c}-${n}`; // a publisher's keys are unique: not reused across scenarios
        const body = live
          ? { message: 'ACCEPT_PIZZA', to: { store_id: LIVE_STORE }, data: [key] }
          : { message: 'event', to: { channel }, data: { from: 'outage-test', type: 'N', data: { key } } };
        while (!stopping) {
          const r = await answers.time('publish', () => call(`${node.url}/publish/v1/${live ? 'pizza' : 'events'}`, { headers: { ...headers, 'idempotency-key': key }, body }));
          if (r?.status === 202) {
            if (live) ackedLive.add(key);
            else acked.set(key, Date.now());
            break;
          }
          await sleep(patient ? Number(r?.headers.get('retry-after') ?? 1) * 1000 : 100);
        }
        await sleep(25);
      }
    };
    const socket = await storeSocket(LIVE_STORE);
    // Game updates are published only once the broker is back: in the first scenario the games
    // topic has been idle since the node started, so its fanout group delivered (and committed)
    // nothing before the outage.
    const games = await connect(`${node.url.replace('http', 'ws')}/?session_key=${await signToken(JWT_SECRET, { sub: 'watcher' })}`);
    games.send({ stream: 'games', payload: { action: 'subscribe', pk: LIVE_STORE, data: { action: 'update' }, request_id: 'watch' } });
    await games.next((f) => f.payload?.request_id === 'watch');
    const ackedGames = new Set<string>();
    let recovered = false;
    const gamesPublisher = async () => {
      for (let n = 0; !stopping; n++) {
        if (!recovered) {
          await sleep(50);
          continue;
        }
        const marker = new Date(Date.UTC(2020, 0, 1) + n * 1000).toISOString(); // the update's updated_at
        const body = { message: 'update', to: { pk: LIVE_STORE }, data: { ...gameSnapshot(LIVE_STORE), updated_at: marker } };
        const r = await answers.time('publish', () => call(`${node.url}/publish/v1/games`, { headers: { ...headers, 'idempotency-key': `${channel}/${marker}` }, body }));
        if (r?.status === 202) ackedGames.add(marker);
        await sleep(25);
      }
    };
    const ready = watch(readyz, 50);
    const publishers = [...Array.from({ length: 10 }, (_, c) => publisher(c, c % 4 !== 3, c >= 8)), gamesPublisher()];
    await sleep(3_000);

    const logFrom = node.output().length;
    const haltedAt = Date.now();
    await kafka(['halt']);
    await sleep(outageMs);
    const back = firstTime(brokerAnswers);
    const resumed = kafka(['resume']);
    const backAt = await back;
    recovered = true;
    await resumed;
    await waitFor(() => outageSeen(ready.changes, 200, haltedAt).upAt !== undefined, 'readiness after the outage', 60_000);
    await sleep(3_000);
    stopping = true;
    await Promise.all(publishers);
    await ready.stop();

    // Every acknowledged publish is stored, once (the work consumer stores `event` records).
    let stored = new Map<string, number>();
    await waitFor(async () => {
      stored = await storedKeys(channel);
      return [...acked.keys()].every((k) => stored.has(k));
    }, 'every acknowledged publish to be stored', 60_000).catch(() => undefined);
    const when = (at: number) => (at < haltedAt ? 'before' : at < backAt ? 'during' : 'after');
    const lost = [...acked].filter(([k]) => !stored.has(k)).map(([k, at]) => `${k} (acknowledged ${when(at)} the outage)`);
    const twice = [...stored].filter(([, count]) => count > 1).map(([k]) => k);
    // Every acknowledged pizza event reaches the socket that was open all along.
    const heard = () => socket.frames.flatMap((f) => (f as { data: string[] }).data);
    await waitFor(() => [...ackedLive].every((k) => heard().includes(k)), 'every acknowledged live event', 60_000).catch(() => undefined);
    const liveLost = [...ackedLive].filter((k) => !heard().includes(k));
    const heardGames = () => new Set(games.frames.map((f) => (f as { payload: { data?: { updated_at?: string } } }).payload.data?.updated_at));
    await waitFor(() => [...ackedGames].every((k) => heardGames().has(k)), 'every acknowledged game update', 60_000).catch(() => undefined);
    liveLost.push(...[...ackedGames].filter((k) => !heardGames().has(k)));
    const liveTwice = heard().length - new Set(heard()).size;
    socket.ws.close();
    games.ws.close();

    const seen = outageSeen(ready.changes, 200, haltedAt);
    const recoveryMs = seen.upAt === undefined ? undefined : seen.upAt - backAt;
    const lines = logLines(node.output().slice(logFrom));
    const down = lines.filter((l) => l.msg.startsWith('kafka is unreachable'));
    const up = lines.filter((l) => l.msg.startsWith('kafka is reachable again'));
    const published = answers.of('publish');
    const warnings = lines.filter((l) => l.level >= 40 && !down.includes(l)).map((l) => l.msg);
    printFigures({
      scenario: `${scenario} (${client})`,
      requests: published.length,
      ok: published.filter((a) => a.status === 202).length,
      unavailable: published.filter((a) => a.status === 503).length,
      other: unexpected(published, 202).length,
      acknowledgedAndLost: lost.length + liveLost.length,
      maxAnswerMs: longest(published),
      readyzRecoveryMs: recoveryMs,
      'stored twice': twice.length,
      'live: acknowledged-and-lost': `${liveLost.length} of ${ackedLive.size + ackedGames.size}, pizza delivered twice ${liveTwice}`,
      'readyz down after': seen.downAt === undefined ? 'never' : `${seen.downAt - haltedAt} ms`,
      'log lines (down/up/other warn+)': `${down.length}/${up.length}/${warnings.length}`,
    });

    expect(unexpected(published, 202)).toEqual([]);
    expect(longest(published)).toBeLessThanOrEqual(ANSWER_BOUND_MS);
    expect(published.some((a) => a.status === 503)).toBe(true);
    expect(lost).toEqual([]);
    expect(twice).toEqual([]);
    expect(liveLost).toEqual([]);
    expect(seen.downAt).toBeDefined();
    expect(recoveryMs).toBeLessThanOrEqual(READY_AGAIN_WITHIN_MS);
    expect([down.length, up.length]).toEqual([1, 1]);
    expect(warnings).toEqual([]);
    expect(node.child.exitCode).toBeNull();
  }

  it('the broker stopped for 20 s under publish traffic: 202 or 503, nothing acknowledged lost, ready again within 2 s', async () => {
    await publishThroughOutage('kafka stopped 20 s', 20_000);
  });

  it('the broker stopped for 60 s under publish traffic: the same', async () => {
    await publishThroughOutage('kafka stopped 60 s', 60_000);
  });
});
