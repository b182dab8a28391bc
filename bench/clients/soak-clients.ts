// The soak scenario's load generator (bench/soak.ts), in its own process: N clients spread over the
// three socket APIs and their audiences, then events published at a steady rate for the whole run,
// every delivery counted per event against the number of clients in that event's audience.
//
//   connect   games clients subscribe to `update` of game a; pizza clients take a ticket of store a;
//             workspace clients authenticate, each a user alone in a workspace of its own, holding a
//             `channels` claim for channel a (no N² presence frames); a = client index % audiences
//   warm-up   `warmupSeconds` of the steady rate, then checkpoint `start` (the parent reads the
//             server's memory after full GCs; publishing goes on meanwhile)
//   soak      `durationSeconds` of the steady rate, checkpoint `middle` halfway, `end` at the end
//             (all three under the same traffic)
//   drain     until every expected delivery arrived, or none arrived for DRAIN_QUIET_MS
//
// Events go round-robin over (api, audience): event i to api i % 3, audience (i / 3) % audiences,
// as POST /publish/v1/<api>. A delivery is recognised by the marker `bench|s|<event>|<sent ms>` in
// its frame (read from the bytes, no JSON.parse); anything else a client hears (presence, pings,
// subscribe replies) is not counted.
import type WebSocket from 'ws';
import { DEV_JWT_SECRET } from '../../src/config';
import { signToken } from '../../src/auth/token';
import { checkpoint, runLoadChild, sendResult } from '../lib/load-child';
import { EventFactory, marker, nowMs, readMark } from '../lib/payloads';
import { SCENARIOS, type Scenario } from '../lib/options';
import type { LoadMessage } from '../lib/protocol';
import { HttpClient } from './http';
import { openWorkspaceMember } from './socketio-wire';
import { open, post, subscribe } from './targets';

export const SOAK_APIS: readonly Scenario[] = SCENARIOS;

export interface SoakPlan {
  port: number;
  clients: number;
  audiences: number;
  /** Events per second, all APIs together. */
  rate: number;
  warmupSeconds: number;
  durationSeconds: number;
  connectInFlight: number;
}

export interface SoakResult {
  clients: Record<Scenario, number>;
  connectMs: number;
  events: number;
  expectedDeliveries: number;
  receivedDeliveries: number;
  /** Events that reached fewer clients than their audience holds, and more. */
  eventsShort: number;
  eventsOver: number;
  /** Deliveries missing (summed over short events) and extra (over events). */
  missing: number;
  extra: number;
  /** Publishes answered other than 202, or not at all, and the first few distinct reasons. */
  publishFailures: number;
  publishErrors: string[];
  /** Clients the server closed during the run (none should be). */
  closedByServer: number;
  closeCodes: Record<string, number>;
  /** Publishes that went out later than their schedule by more than a second (the generator fell behind). */
  latePublishes: number;
  /** Publish-to-receive latency over every counted delivery, ms (1 ms buckets). */
  latencyMs: { p50: number; p99: number; p999: number; max: number };
  /** How long each memory reading took, ms: the server's full GCs, during which it delivers nothing. */
  checkpointMs: Record<string, number>;
}

const PROGRESS_EVERY_MS = 1_000;
const DRAIN_QUIET_MS = 10_000;
const LATE_MS = 1_000;
const LATENCY_BUCKETS = 60_001; // 1 ms each; the last collects everything from 60 s on

const send = (message: LoadMessage): void => void process.send?.(message);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Which API and audience client `index` belongs to: the APIs get consecutive thirds. */
function placement(plan: SoakPlan, index: number): { api: Scenario; audience: number } {
  const per = Math.ceil(plan.clients / SOAK_APIS.length);
  const slot = Math.floor(index / per);
  return { api: SOAK_APIS[slot], audience: ((index - slot * per) % plan.audiences) + 1 };
}

const channelOf = (audience: number): string => `soak-channel-${audience}`;

class Soak {
  private readonly sockets: WebSocket[] = [];
  /** Clients per `${api}:${audience}`: how many deliveries one event to it makes. */
  private readonly audienceSize = new Map<string, number>();
  private readonly factories = new Map(SOAK_APIS.map((api) => [api, new EventFactory(api)]));
  private readonly http: HttpClient;
  private readonly setupHttp: HttpClient;
  private expected: Int32Array;
  private received: Int32Array;
  private readonly latency = new Uint32Array(LATENCY_BUCKETS);
  private receivedTotal = 0;
  private published = 0;
  private publishFailures = 0;
  private readonly publishErrors: string[] = [];
  private latePublishes = 0;
  private closedByServer = 0;
  private readonly closeCodes: Record<string, number> = {};
  private closing = false;
  private readonly checkpointMs: Record<string, number> = {};
  private publishAuth: Record<string, string> = {};

  constructor(private readonly plan: SoakPlan) {
    const events = Math.ceil(plan.rate * (plan.warmupSeconds + plan.durationSeconds)) + 1;
    this.expected = new Int32Array(events);
    this.received = new Int32Array(events);
    this.http = new HttpClient(plan.port, 16);
    this.setupHttp = new HttpClient(plan.port, 16);
  }

  async run(): Promise<SoakResult> {
    const connectMs = await this.phase('connect', () => this.connectAll());
    const total = this.expected.length;
    // One schedule for warm-up and soak: event i is due at started + i / rate.
    const started = performance.now();
    const soakStarted = started + this.plan.warmupSeconds * 1000;
    const publishing = this.publishAll(started);
    await this.phase('warmup', () => this.until(soakStarted, 'warmup'));
    await this.checkpoint('start');
    await this.phase('soak', async () => {
      await this.until(soakStarted + (this.plan.durationSeconds * 1000) / 2, 'soak');
      await this.checkpoint('middle');
      // `end` is read like the others, under traffic: at the last event's due time.
      await this.until(soakStarted + this.plan.durationSeconds * 1000, 'soak');
      await this.checkpoint('end');
    });
    await this.phase('drain', async () => {
      await publishing;
      await this.drain();
    });
    return this.result(connectMs, total);
  }

  /** A memory reading: the server runs full GCs meanwhile, so its deliveries pause (timed, reported). */
  private async checkpoint(name: string): Promise<void> {
    const started = performance.now();
    await checkpoint(name);
    this.checkpointMs[name] = Math.round(performance.now() - started);
  }

  private async phase<T>(phase: string, body: () => Promise<T>): Promise<T> {
    send({ type: 'phase', phase, state: 'start' });
    const result = await body();
    send({ type: 'phase', phase, state: 'end' });
    return result;
  }

  close(): void {
    this.closing = true;
    for (const ws of this.sockets) ws.terminate();
    this.http.close();
    this.setupHttp.close();
  }

  private async connectAll(): Promise<number> {
    const started = performance.now();
    const publisher = await signToken(DEV_JWT_SECRET, { sub: 'soak-publisher', scope: 'publish' });
    this.publishAuth = { authorization: `Bearer ${publisher}` };
    const session = await signToken(DEV_JWT_SECRET, { sub: 'soak-player', claims: { username: 'soak-player' } });
    const managers = new Map<number, string>();
    for (let a = 1; a <= this.plan.audiences; a++) {
      managers.set(a, await signToken(DEV_JWT_SECRET, { sub: `soak-manager-${a}`, claims: { store_id: a } }));
    }
    const base = `ws://127.0.0.1:${this.plan.port}`;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < this.plan.clients) {
        const index = next++;
        const { api, audience } = placement(this.plan, index);
        const ws =
          api === 'games'
            ? await this.games(base, session, index, audience)
            : api === 'pizza'
              ? await this.pizza(base, managers.get(audience)!)
              : await this.workspace(base, index, audience);
        this.track(ws);
        const key = `${api}:${audience}`;
        this.audienceSize.set(key, (this.audienceSize.get(key) ?? 0) + 1);
      }
    };
    const workers = Array.from({ length: Math.min(this.plan.connectInFlight, this.plan.clients) }, worker);
    const reporting = setInterval(() => send({ type: 'progress', phase: 'connect', done: this.sockets.length, total: this.plan.clients }), PROGRESS_EVERY_MS);
    try {
      await Promise.all(workers);
    } finally {
      clearInterval(reporting);
    }
    send({ type: 'progress', phase: 'connect', done: this.sockets.length, total: this.plan.clients });
    return performance.now() - started;
  }

  private async games(base: string, session: string, index: number, audience: number): Promise<WebSocket> {
    const ws = await open(`${base}/?session_key=${session}`);
    await subscribe(ws, `soak-${index}`, audience);
    return ws;
  }

  private async pizza(base: string, manager: string): Promise<WebSocket> {
    const res = await this.setupHttp.call('GET', '/api/v1/ws/ticket', { authorization: `Bearer ${manager}` });
    if (res.status !== 200) throw new Error(`ticket: HTTP ${res.status} ${res.text}`);
    return open(`${base}/ws?key=${(JSON.parse(res.text) as { token: string }).token}`);
  }

  private async workspace(base: string, index: number, audience: number): Promise<WebSocket> {
    const workspaceId = `soak-ws-${index}`;
    const token = await signToken(DEV_JWT_SECRET, { sub: `soak-user-${index}`, claims: { workspaces: [workspaceId], channels: [channelOf(audience)] } });
    return openWorkspaceMember(base, token, workspaceId);
  }

  private track(ws: WebSocket): void {
    this.sockets.push(ws);
    ws.on('message', (data: Buffer) => this.onFrame(data));
    ws.once('close', (code: number) => {
      if (this.closing) return;
      this.closedByServer++;
      this.closeCodes[code] = (this.closeCodes[code] ?? 0) + 1;
    });
  }

  private onFrame(data: Buffer): void {
    const mark = readMark(data);
    if (!mark || mark.phase !== 's' || mark.seq >= this.received.length) return;
    this.received[mark.seq]++;
    this.receivedTotal++;
    const ms = Math.round(nowMs() - mark.sentAtMs);
    this.latency[Math.min(LATENCY_BUCKETS - 1, Math.max(0, ms))]++;
  }

  /** Publishes every event on its schedule (started + i / rate), whatever the answers take. */
  private async publishAll(started: number): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    for (let seq = 0; seq < this.expected.length; seq++) {
      const due = started + (seq * 1000) / this.plan.rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      else if (-wait > LATE_MS) this.latePublishes++;
      const publish = this.publish(seq).finally(() => inFlight.delete(publish));
      inFlight.add(publish);
    }
    await Promise.all(inFlight);
  }

  private async publish(seq: number): Promise<void> {
    const api = SOAK_APIS[seq % SOAK_APIS.length];
    const audience = (Math.floor(seq / SOAK_APIS.length) % this.plan.audiences) + 1;
    this.expected[seq] = this.audienceSize.get(`${api}:${audience}`) ?? 0;
    this.published++;
    const data = this.factories.get(api)!.data(marker('s', seq, nowMs()));
    // The audience fields are replaced in place, so the marker stays the first key of `data`.
    const body =
      api === 'games'
        ? { message: 'update', to: { pk: audience }, data: { ...data, id: audience } }
        : api === 'pizza'
          ? { message: 'CREATE_PIZZA', to: { store_id: audience }, data: { ...data, store_id: audience } }
          : { message: 'media-state-updated', to: { channelId: channelOf(audience) }, data: { ...data, channelId: channelOf(audience) } };
    try {
      await post(this.http, `/publish/v1/${api}`, this.publishAuth, body);
    } catch (err) {
      this.publishFailures++;
      const reason = err instanceof Error ? err.message : String(err);
      if (this.publishErrors.length < 5 && !this.publishErrors.includes(reason)) this.publishErrors.push(reason);
      this.expected[seq] = 0; // not accepted: nothing is owed
    }
  }

  /** Reports progress until `deadline` (performance.now() ms). */
  private async until(deadline: number, phase: string): Promise<void> {
    const total = this.expected.length;
    while (performance.now() < deadline) {
      send({ type: 'progress', phase, done: this.published, total });
      await sleep(Math.min(PROGRESS_EVERY_MS, Math.max(0, deadline - performance.now())));
    }
  }

  /** Waits until every expected delivery has arrived, or nothing arrives for DRAIN_QUIET_MS. */
  private async drain(): Promise<void> {
    const expectedTotal = this.expected.reduce((n, e) => n + e, 0);
    let last = this.receivedTotal;
    let quietSince = performance.now();
    while (this.receivedTotal < expectedTotal && performance.now() - quietSince < DRAIN_QUIET_MS) {
      send({ type: 'progress', phase: 'drain', done: this.receivedTotal, total: expectedTotal });
      await sleep(100);
      if (this.receivedTotal !== last) {
        last = this.receivedTotal;
        quietSince = performance.now();
      }
    }
    await sleep(500); // late duplicates, if any, would land now
  }

  private result(connectMs: number, events: number): SoakResult {
    let expectedDeliveries = 0;
    let eventsShort = 0;
    let eventsOver = 0;
    let missing = 0;
    let extra = 0;
    for (let seq = 0; seq < events; seq++) {
      const e = this.expected[seq];
      const r = this.received[seq];
      expectedDeliveries += e;
      if (r < e) {
        eventsShort++;
        missing += e - r;
      } else if (r > e) {
        eventsOver++;
        extra += r - e;
      }
    }
    const clients = { games: 0, pizza: 0, workspace: 0 } as Record<Scenario, number>;
    for (const [key, n] of this.audienceSize) clients[key.split(':')[0] as Scenario] += n;
    return {
      clients,
      connectMs,
      events,
      expectedDeliveries,
      receivedDeliveries: this.receivedTotal,
      eventsShort,
      eventsOver,
      missing,
      extra,
      publishFailures: this.publishFailures,
      publishErrors: this.publishErrors,
      closedByServer: this.closedByServer,
      closeCodes: this.closeCodes,
      latePublishes: this.latePublishes,
      latencyMs: this.latencyFigures(),
      checkpointMs: this.checkpointMs,
    };
  }

  private latencyFigures(): SoakResult['latencyMs'] {
    const count = this.latency.reduce((n, c) => n + c, 0);
    const at = (p: number): number => {
      const rank = Math.max(1, Math.ceil((p / 100) * count));
      let seen = 0;
      for (let ms = 0; ms < LATENCY_BUCKETS; ms++) {
        seen += this.latency[ms];
        if (seen >= rank) return ms;
      }
      return NaN;
    };
    let max = NaN;
    for (let ms = LATENCY_BUCKETS - 1; ms >= 0; ms--) {
      if (this.latency[ms] > 0) {
        max = ms;
        break;
      }
    }
    return { p50: at(50), p99: at(99), p999: at(99.9), max };
  }
}

async function main(): Promise<void> {
  const plan = JSON.parse(process.argv[2] ?? '') as SoakPlan;
  const soak = new Soak(plan);
  try {
    await sendResult(await soak.run());
  } finally {
    soak.close();
  }
}

runLoadChild(main);
