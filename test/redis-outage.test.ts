// A Redis outage under traffic, against a Redis of this file's own (scripts/redis.sh, with an
// append-only file as production runs it) and a gateway process: Redis is killed with SIGKILL while
// clients emit and long-poll events, take pizza tickets and poll messenger queues, then restarted.
// Every answer is a success or a 503 with Retry-After, within the bound (a long poll: its timeout
// plus the bound); every event answered 200 is stored, once; an event answered otherwise is not
// stored unless its request was in flight when Redis died (the documented exception); a client
// repeating with an Idempotency-Key stores its event exactly once; /readyz shows the outage and is
// ready again within 2 s of Redis answering; the outage is logged once and its end once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { signToken } from '../src/auth/token';
import { call } from './helpers/gateway';
import { Answers, firstTime, logLines, longest, outageSeen, printFigures, unexpected, watch, type Answer } from './helpers/outage';
import { ROOT, startServeProcess, type ServeProcess } from './helpers/process';
import { sleep, waitFor } from './helpers/wait';
import { connect } from './helpers/ws';
import { runScript } from './services/global-setup';
import { describeWithRedis } from './services/services';

jest.setTimeout(180_000);

const JWT_SECRET = 'redis-outage-jwt-secret';
const API_SECRET = 'redis-outage-secret';
const POLL_TIMEOUT_MS = 2_000;
const ANSWER_BOUND_MS = 5_000;
const READY_AGAIN_WITHIN_MS = 2_000;
const OUTAGE_MS = 8_000;

describeWithRedis('a Redis outage (AOF, SIGKILL) under events-API traffic', () => {
  const state = mkdtempSync(join(tmpdir(), 'switchyard-redis-outage-'));
  const redis = async (...args: string[]): Promise<string> => {
    const env = { ...process.env, REDIS_STATE_DIR: state, REDIS_APPENDONLY: 'yes', SWITCHYARD_OWNER_PID: String(process.pid) };
    const r = await runScript(join(ROOT, 'scripts', 'redis.sh'), args, env, 'redis');
    if (r.code !== 0) throw new Error(`redis.sh ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
    return r.stdout.trim().split('\n').pop()!.replace(/^REDIS_URL=/, '');
  };
  let url: string;
  let node: ServeProcess;

  beforeAll(async () => {
    url = await redis('start');
    node = await startServeProcess({ REDIS_URL: url, AUTH_JWT_SECRET: JWT_SECRET, API_SECRET, POLL_TIMEOUT_MS: String(POLL_TIMEOUT_MS), MESSENGER_POLL_TIMEOUT_MS: String(POLL_TIMEOUT_MS) });
  });
  afterAll(async () => {
    if (node?.child.exitCode === null) {
      node.child.kill('SIGTERM');
      await node.exited;
    }
    try {
      await redis('stop');
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });

  it('answers 200 or 503 within the bound, loses nothing acknowledged, stores nothing refused, is ready again within 2 s', async () => {
    const channel = `redis-outage-${Date.now()}`;
    const answers = new Answers();
    const outcome = new Map<string, Answer>(); // plain emits: key -> the answer
    const keyedAcked = new Set<string>();
    let stopping = false;
    const emit = (key: string, headers: Record<string, string> = {}) =>
      answers.time('emit', () =>
        call(`${node.url}/events/v1/events`, { headers, body: { clientId: 'w', channel, secret: API_SECRET, from: 'outage-test', type: 'N', data: { key } } }),
      );

    // Clients of the original service: each event is sent once, without a key, whatever the answer.
    const plain = async (c: number) => {
      for (let n = 0; !stopping; n++) {
        await emit(`p${c}-${n}`);
        outcome.set(`p${c}-${n}`, answers.all[answers.all.length - 1]);
        await sleep(20);
      }
    };
    // Clients that repeat a refused event with the same Idempotency-Key until it is stored.
    const keyed = async (c: number) => {
      for (let n = 0; !stopping; n++) {
        const key = `k${c}-${n}`;
        while (!stopping) {
          const r = await emit(key, { 'idempotency-key': key });
          if (r?.status === 200) {
            keyedAcked.add(key);
            break;
          }
          await sleep(c === 0 ? 100 : Number(r?.headers.get('retry-after') ?? 1) * 1000);
        }
        await sleep(20);
      }
    };
    // Long polls on the channel, a pizza ticket and a messenger poll: store-backed, answered in time.
    const poller = async () => {
      let after = 0;
      while (!stopping) {
        const r = await answers.time('long poll', () => call(`${node.url}/events/v1/events?clientId=poller&channel=${channel}&secret=${API_SECRET}&after=${after}`));
        const events = r?.status === 200 ? (r.body as Array<{ id: number }>) : [];
        if (events.length) after = events[events.length - 1].id;
        else if (r?.status !== 200) await sleep(200);
      }
    };
    const others = async () => {
      const manager = { authorization: `Bearer ${await signToken(JWT_SECRET, { sub: 'm', claims: { store_id: 1 } })}` };
      const user = await signToken(JWT_SECRET, { sub: 'messenger-user' });
      while (!stopping) {
        await answers.time('pizza ticket', () => call(`${node.url}/api/v1/ws/ticket`, { headers: manager }));
        await answers.time('messenger poll', () => call(`${node.url}/events/polling`, { body: { token: user } }));
        await sleep(200);
      }
    };
    // A games socket asking for a snapshot: every request gets its reply, the socket stays open.
    const gamer = async () => {
      const socket = await connect(`${node.url.replace('http', 'ws')}/?session_key=${await signToken(JWT_SECRET, { sub: 'player' })}`);
      for (let n = 0; !stopping; n++) {
        const startedAt = Date.now();
        socket.send({ stream: 'games', payload: { action: 'retrieve', pk: 1, request_id: `g${n}` } });
        const answer = await socket.next((f) => f.payload?.request_id === `g${n}`, 30_000).catch(() => undefined);
        answers.all.push({ what: 'games retrieve', status: answer?.payload.response_status ?? 0, retryAfter: null, startedAt, endedAt: Date.now() });
        await sleep(200);
      }
      socket.ws.close();
    };
    const ready = watch(async () => (await call(`${node.url}/readyz`).catch(() => ({ status: 0 }))).status, 50);
    const clients = [plain(0), plain(1), plain(2), plain(3), keyed(0), keyed(1), keyed(2), poller(), poller(), others(), gamer()];
    await sleep(2_000);

    const logFrom = node.output().length;
    const killedFrom = Date.now();
    await redis('halt', 'KILL');
    const killedBy = Date.now();
    await sleep(OUTAGE_MS);
    const probe = new Redis(url, { retryStrategy: () => 50, enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true });
    probe.on('error', () => undefined);
    const back = firstTime(async () => (await probe.ping().catch(() => '')) === 'PONG', 25);
    void probe.connect().catch(() => undefined);
    await redis('resume');
    const backAt = await back;
    probe.disconnect();
    await waitFor(() => outageSeen(ready.changes, 200, killedFrom).upAt !== undefined, 'readiness after the outage', 60_000);
    await sleep(2_000);
    stopping = true;
    await Promise.all(clients);
    await ready.stop();

    // What the channel holds, read through the events API: key -> how many times.
    const stored = new Map<string, number>();
    for (let after = 0; ; ) {
      const r = await call(`${node.url}/events/v1/events?clientId=check&channel=${channel}&secret=${API_SECRET}&after=${after}&limit=100`);
      const events = r.body as Array<{ id: number; data: { key: string } }>;
      if (!events.length) break;
      for (const e of events) stored.set(e.data.key, (stored.get(e.data.key) ?? 0) + 1);
      after = events[events.length - 1].id;
    }
    const acked = [...keyedAcked, ...[...outcome].filter(([, a]) => a.status === 200).map(([k]) => k)];
    const lost = acked.filter((k) => !stored.has(k));
    const twice = [...stored].filter(([, count]) => count > 1).map(([k]) => k);
    const inFlightAtKill = (a: Answer) => a.startedAt <= killedBy && a.endedAt >= killedFrom;
    const refusedButStored = [...outcome].filter(([k, a]) => a.status !== 200 && stored.has(k));

    const seen = outageSeen(ready.changes, 200, killedFrom);
    const recoveryMs = seen.upAt === undefined ? undefined : seen.upAt - backAt;
    const lines = logLines(node.output().slice(logFrom));
    const down = lines.filter((l) => l.msg.startsWith('redis is unreachable'));
    const up = lines.filter((l) => l.msg.startsWith('redis is reachable again'));
    const emits = answers.of('emit');
    const rest = answers.all.filter((a) => a.what !== 'emit');
    const warnings = lines.filter((l) => l.level >= 40 && !down.includes(l)).map((l) => l.msg);
    printFigures({
      scenario: 'redis killed (AOF) and restarted',
      requests: emits.length,
      ok: emits.filter((a) => a.status === 200).length,
      unavailable: emits.filter((a) => a.status === 503).length,
      other: unexpected(emits, 200).length,
      acknowledgedAndLost: lost.length,
      maxAnswerMs: longest(emits),
      readyzRecoveryMs: recoveryMs,
      'stored twice': twice.length,
      'refused but stored (in flight at the kill)': `${refusedButStored.length} (${refusedButStored.filter(([, a]) => inFlightAtKill(a)).length})`,
      'long polls/tickets/messenger polls/games requests': `${rest.length}, 503 ${rest.filter((a) => a.status === 503).length}, max ${longest(rest)} ms`,
      'readyz down after': seen.downAt === undefined ? 'never' : `${seen.downAt - killedFrom} ms`,
      'log lines (down/up/other warn+)': `${down.length}/${up.length}/${warnings.length}`,
      'other warnings': [...new Set(warnings)].join('; ') || 'none',
    });

    expect(unexpected(emits, 200)).toEqual([]);
    expect(longest(emits)).toBeLessThanOrEqual(ANSWER_BOUND_MS);
    expect(emits.some((a) => a.status === 503)).toBe(true);
    expect(lost).toEqual([]);
    expect(twice).toEqual([]);
    expect(refusedButStored.filter(([, a]) => !inFlightAtKill(a))).toEqual([]);
    for (const what of ['long poll', 'pizza ticket', 'messenger poll']) {
      // A messenger poll that timed out with nothing for its user answers 204 (the original's clients survive it).
      const theirs = answers.of(what).filter((a) => !(what === 'messenger poll' && a.status === 204));
      expect([what, unexpected(theirs, 200)]).toEqual([what, []]);
      expect(longest(theirs)).toBeLessThanOrEqual(ANSWER_BOUND_MS + (what === 'pizza ticket' ? 0 : POLL_TIMEOUT_MS));
    }
    // No snapshot is stored for game 1: 404, or 503 while Redis is away.
    const games = answers.of('games retrieve');
    expect(games.filter((a) => a.status !== 404 && a.status !== 503)).toEqual([]);
    expect(longest(games)).toBeLessThanOrEqual(ANSWER_BOUND_MS);
    expect(seen.downAt).toBeDefined();
    expect(recoveryMs).toBeLessThanOrEqual(READY_AGAIN_WITHIN_MS);
    expect([down.length, up.length]).toEqual([1, 1]);
    expect((await call(`${node.url}/metrics`)).text).toMatch(/^dependency_outages_total\{dependency="redis"\} 1$/m);
    expect(lines.filter((l) => l.err !== undefined)).toEqual([]);
    expect(node.child.exitCode).toBeNull();
  });
});
