// The events API load generator, in its own process. Two phases against one server:
//   post: `postConcurrency` keep-alive connections POST events back to back for `postSeconds`
//         (after `postWarmupSeconds` discarded): events accepted per second, and each POST's time.
//   poll: `pollers` clients long-poll one channel (each its own connection and clientId, `after` =
//         the last id it saw). Warm-up events are posted one at a time until every poller has seen
//         the latest (which proves all of them are polling); then events are posted at `pollRate`
//         per second for `pollSeconds` on a fixed schedule. Latency per (event, poller): from just
//         before the POST to the poll answer carrying it.
import { DEV_API_SECRET } from '../../src/config';
import { marker, nowMs, type MarkPhase } from '../lib/payloads';
import type { LoadMessage } from '../lib/protocol';
import { runLoadChild, sendResult } from '../lib/load-child';
import { latencyFigures, type LatencyFigures } from '../lib/stats';
import { HttpClient } from './http';

/** The load's own settings: the bench's options carry them (bench/events-api.ts). */
export interface EventsLoadSettings {
  postConcurrency: number;
  postSeconds: number;
  postWarmupSeconds: number;
  pollers: number;
  pollRate: number;
  pollSeconds: number;
  pollWarmup: number;
}

export interface EventsPlan extends EventsLoadSettings {
  port: number;
  /** Unique per run, so no run reads another's events (Redis outlives the server). */
  channelPrefix: string;
}

export interface EventsResult {
  post: { requests: number; elapsedMs: number; perSec: number; latency: LatencyFigures };
  poll: {
    pollers: number;
    events: number;
    samples: number;
    latency: LatencyFigures;
    /** Poll answers with no event in them before the poll timeout: spurious wake-ups. */
    emptyAnswers: number;
    answers: number;
  };
}

const PATH = '/events/v1/events';
const send = (message: LoadMessage<EventsResult>): void => void process.send?.(message);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const PROGRESS_EVERY_MS = 250;

interface Event {
  id: number;
  data?: { mark?: string };
}

class EventsLoad {
  private readonly publisher: HttpClient;
  private stopping = false;

  constructor(private readonly plan: EventsPlan) {
    this.publisher = new HttpClient(plan.port, Math.max(1, plan.postConcurrency));
  }

  private async post(channel: string, mark: string): Promise<void> {
    const body = JSON.stringify({ clientId: 'bench-publisher', channel, secret: DEV_API_SECRET, from: 'bench/v1', type: 'BENCH', data: { mark } });
    const res = await this.publisher.call('POST', PATH, {}, body);
    if (res.status !== 200) throw new Error(`POST ${PATH}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
  }

  async postPhase(): Promise<EventsResult['post']> {
    const { postConcurrency, postSeconds, postWarmupSeconds } = this.plan;
    const channel = `${this.plan.channelPrefix}-post`;
    let seq = 0;
    const samples: number[] = [];
    let measuring = false;
    let count = 0;
    const worker = async (until: number): Promise<void> => {
      while (performance.now() < until) {
        const t0 = performance.now();
        await this.post(channel, marker('t', seq++, nowMs()));
        if (measuring) {
          count++;
          samples.push(performance.now() - t0);
        }
      }
    };
    send({ type: 'phase', phase: 'post-warmup', state: 'start' });
    const warmEnd = performance.now() + postWarmupSeconds * 1000;
    await Promise.all(Array.from({ length: postConcurrency }, () => worker(warmEnd)));
    send({ type: 'phase', phase: 'post-warmup', state: 'end' });
    measuring = true;
    send({ type: 'phase', phase: 'post', state: 'start' });
    const started = performance.now();
    const end = started + postSeconds * 1000;
    const progress = setInterval(() => send({ type: 'progress', phase: 'post', done: count, total: 0 }), PROGRESS_EVERY_MS);
    try {
      await Promise.all(Array.from({ length: postConcurrency }, () => worker(end)));
    } finally {
      clearInterval(progress);
    }
    const elapsedMs = performance.now() - started;
    send({ type: 'phase', phase: 'post', state: 'end' });
    return { requests: count, elapsedMs, perSec: count / (elapsedMs / 1000), latency: latencyFigures(samples.sort((a, b) => a - b)) };
  }

  async pollPhase(): Promise<EventsResult['poll']> {
    const { pollers, pollRate, pollSeconds, pollWarmup } = this.plan;
    const channel = `${this.plan.channelPrefix}-poll`;
    const http = new HttpClient(this.plan.port, pollers);
    const lastWarm = new Int32Array(pollers);
    const events = Math.max(1, Math.round(pollRate * pollSeconds));
    const latencies = new Float64Array(pollers * events);
    let samples = 0;
    let answers = 0;
    let emptyAnswers = 0;
    let failure: Error | undefined;

    const onEvent = (index: number, phase: MarkPhase, seq: number, sentAtMs: number, at: number): void => {
      if (phase === 'w' && seq > lastWarm[index]) lastWarm[index] = seq;
      else if (phase === 'l' && samples < latencies.length) latencies[samples++] = at - sentAtMs;
    };
    const poller = async (index: number): Promise<void> => {
      let after = 0;
      const base = `${PATH}?clientId=bench-poller-${index}&channel=${encodeURIComponent(channel)}&secret=${encodeURIComponent(DEV_API_SECRET)}`;
      while (!this.stopping) {
        let text: string;
        try {
          const res = await http.call('GET', `${base}&after=${after}`, {});
          if (res.status !== 200) throw new Error(`GET ${PATH}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
          text = res.text;
        } catch (err) {
          if (this.stopping) return;
          throw err;
        }
        const at = nowMs();
        const got = JSON.parse(text) as Event[];
        answers++;
        if (got.length === 0) emptyAnswers++;
        for (const e of got) {
          after = Math.max(after, e.id);
          const mark = e.data?.mark;
          if (typeof mark !== 'string') continue;
          const [, phase, seq, sent] = mark.split('|');
          onEvent(index, phase as MarkPhase, Number(seq), Number(sent), at);
        }
      }
    };
    const running = Array.from({ length: pollers }, (_, i) =>
      poller(i).catch((err: unknown) => {
        failure ??= err instanceof Error ? err : new Error(String(err));
      }),
    );
    const check = (): void => {
      if (failure) throw failure;
    };

    try {
      send({ type: 'phase', phase: 'poll-warmup', state: 'start' });
      for (let seq = 1; ; seq++) {
        check();
        await this.post(channel, marker('w', seq, nowMs()));
        const seen = (): number => lastWarm.reduce((n, s) => (s >= seq ? n + 1 : n), 0);
        const deadline = performance.now() + 5_000;
        while (seen() < pollers && performance.now() < deadline) await sleep(5);
        send({ type: 'progress', phase: 'poll-warmup', done: seen(), total: pollers });
        if (seq >= pollWarmup && seen() === pollers) break;
        if (seq >= pollWarmup + 20) throw new Error(`poll warm-up: ${pollers - seen()} of ${pollers} pollers never received warm-up event ${seq}`);
      }
      send({ type: 'phase', phase: 'poll-warmup', state: 'end' });
      answers = 0;
      emptyAnswers = 0;

      send({ type: 'phase', phase: 'poll', state: 'start' });
      const started = performance.now();
      const posts: Promise<void>[] = [];
      for (let seq = 0; seq < events; seq++) {
        check();
        const wait = started + (seq * 1000) / pollRate - performance.now();
        if (wait > 0) await sleep(wait);
        const p = this.post(channel, marker('l', seq, nowMs()));
        p.catch(() => undefined); // awaited below
        posts.push(p);
        send({ type: 'progress', phase: 'poll', done: samples, total: latencies.length });
      }
      await Promise.all(posts);
      let lastReport = 0;
      while (samples < latencies.length) {
        check();
        if (performance.now() - lastReport > PROGRESS_EVERY_MS) {
          send({ type: 'progress', phase: 'poll', done: samples, total: latencies.length });
          lastReport = performance.now();
        }
        await sleep(5);
      }
      send({ type: 'phase', phase: 'poll', state: 'end' });
    } finally {
      this.stopping = true;
      http.close();
      await Promise.all(running);
    }
    return {
      pollers,
      events,
      samples,
      latency: latencyFigures(latencies.subarray(0, samples).sort()),
      emptyAnswers,
      answers,
    };
  }

  close(): void {
    this.stopping = true;
    this.publisher.close();
  }
}

async function main(): Promise<void> {
  const plan = JSON.parse(process.argv[2] ?? '') as EventsPlan;
  const load = new EventsLoad(plan);
  try {
    const post = await load.postPhase();
    const poll = await load.pollPhase();
    const result: EventsResult = { post, poll };
    await sendResult(result);
  } finally {
    load.close();
  }
}

runLoadChild(main);
