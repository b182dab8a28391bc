// bench/events-api: the events API (REST long poll) on the in-memory store and on Redis, against a
// bare node:http server doing the same with an array per channel (servers/bare-events-server.ts).
// Two figures per target: POSTs accepted per second (`--post-concurrency` connections back to
// back), and POST-to-long-poll-answer latency with `--pollers` clients long-polling one channel
// while events are posted at a fixed rate. See clients/events-load.ts for the phases.
//
// Redis: REDIS_URL when set, otherwise a throwaway redis-server (scripts/redis.sh, own state dir),
// stopped at the end; its CPU is reported as `service` cores.
import { randomUUID } from 'node:crypto';
import { Launcher } from './lib/children';
import { scriptMain } from './lib/main';
import { defineOptions, optionsOrExit, type Size } from './lib/options';
import type { CpuUse } from './lib/proc-cpu';
import { log, quietest } from './lib/quiet';
import { benchLine, CONTENDED_CORES, fmtInt, fmtMs, fmtRatio, range, renderTable, round, writeResults, type BenchLine } from './lib/report';
import { LOAD_CPU, runChildren, SERVER_CPU } from './lib/run';
import { ensureService, type Service } from './lib/services';
import { spread } from './lib/stats';
import type { EventsLoadSettings, EventsPlan, EventsResult } from './clients/events-load';

type Store = 'memory' | 'redis';
const STORES: readonly Store[] = ['memory', 'redis'];

interface Options extends EventsLoadSettings {
  size: Size;
  stores: Store[];
  repeat: number;
  retries: number;
  stallSeconds: number;
  pin: boolean;
}

const FULL: Options = {
  size: 'full',
  stores: [...STORES],
  postConcurrency: 32,
  postSeconds: 5,
  postWarmupSeconds: 2,
  pollers: 1000,
  pollRate: 5,
  pollSeconds: 10,
  pollWarmup: 3,
  repeat: 3,
  retries: 2,
  stallSeconds: 60,
  pin: false,
};
// Tiny: Redis only when REDIS_URL is given (the smoke test's Jest setup gives one), never started.
const tinyStores: Store[] = process.env.REDIS_URL ? ['memory', 'redis'] : ['memory'];
const OPTIONS = defineOptions<Options>(
  'npx tsx bench/events-api.ts',
  [
    { flag: '--store', key: 'stores', kind: 'strings', choices: STORES, help: 'memory | redis | all, or a list' },
    { flag: '--post-concurrency', key: 'postConcurrency', kind: 'int', help: 'POSTs in flight in the throughput phase' },
    { flag: '--post-seconds', key: 'postSeconds', kind: 'number', min: 0.1, help: 'length of the POST throughput phase' },
    { flag: '--post-warmup-seconds', key: 'postWarmupSeconds', kind: 'number', help: 'discarded POSTs before it' },
    { flag: '--pollers', key: 'pollers', kind: 'int', help: 'concurrent long-pollers of one channel' },
    { flag: '--poll-rate', key: 'pollRate', kind: 'number', min: 0.1, help: 'events/s posted while they poll' },
    { flag: '--poll-seconds', key: 'pollSeconds', kind: 'number', min: 0.1, help: 'length of the long-poll latency phase' },
    { flag: '--poll-warmup', key: 'pollWarmup', kind: 'int', help: 'discarded events every poller must see first' },
    { flag: '--repeat', key: 'repeat', kind: 'int', help: 'runs per target; median and min-max' },
    { flag: '--retries', key: 'retries', kind: 'int', min: 0, help: 'reruns of a run disturbed by other processes' },
    { flag: '--stall-seconds', key: 'stallSeconds', kind: 'number', min: 1, help: 'abort when a phase makes no progress this long' },
    { flag: '--pin', key: 'pin', kind: 'boolean', help: 'pin the server to one core and the load generator to the other' },
  ],
  {
    full: FULL,
    quick: { ...FULL, size: 'quick', stores: ['memory'], postSeconds: 3, postWarmupSeconds: 1, pollSeconds: 5, repeat: 1, retries: 1 },
    tiny: { ...FULL, size: 'tiny', stores: tinyStores, postConcurrency: 4, postSeconds: 0.5, postWarmupSeconds: 0.2, pollers: 20, pollRate: 5, pollSeconds: 1, pollWarmup: 2, repeat: 1, retries: 0, stallSeconds: 30 },
  },
  'Quick runs the memory store only; --store all adds Redis.',
);

type Variant = 'switchyard-memory' | 'switchyard-redis' | 'bare-http';

interface Run extends EventsResult {
  cpu: Record<string, CpuUse | undefined>;
}

async function runVariant(launcher: Launcher, variant: Variant, options: Options, redis: Service | undefined): Promise<Run> {
  // The options carry the load's settings (the child ignores the rest).
  const plan: Omit<EventsPlan, 'port'> = { ...options, channelPrefix: `bench-${randomUUID().slice(0, 8)}` };
  const server =
    variant === 'bare-http'
      ? { script: 'bench/servers/bare-events-server.ts' }
      : { script: 'bench/servers/switchyard-server.ts', args: variant === 'switchyard-redis' ? [JSON.stringify({ REDIS_URL: redis!.url })] : [] };
  return quietest(
    options.retries,
    async () => {
      const outcome = await runChildren<typeof plan, EventsResult>(launcher, {
        label: `events ${variant}`,
        server: { ...server, cpu: options.pin ? SERVER_CPU : undefined },
        load: { script: 'bench/clients/events-load.ts', cpu: options.pin ? LOAD_CPU : undefined },
        plan,
        stallMs: options.stallSeconds * 1000,
        cpuPhases: ['post', 'poll'],
        servicePids: variant === 'switchyard-redis' ? redis!.pids : [],
      });
      return { ...outcome.result, cpu: outcome.cpu };
    },
    (r) => Math.max(r.cpu.post?.other ?? 0, r.cpu.poll?.other ?? 0),
    (r) => {
      const c = r.cpu.post;
      const busy = Math.max(r.cpu.post?.other ?? 0, r.cpu.poll?.other ?? 0);
      return (
        `${fmtInt(r.post.perSec)} POST/s (p50 ${fmtMs(r.post.latency.p50)} ms, p99 ${fmtMs(r.post.latency.p99)} ms)` +
        (c ? ` server ${c.server.toFixed(2)} cores, service ${c.service.toFixed(2)}` : '') +
        `; long poll with ${r.poll.pollers} pollers: p50 ${fmtMs(r.poll.latency.p50)} ms p99 ${fmtMs(r.poll.latency.p99)} ms p99.9 ${fmtMs(r.poll.latency.p999)} ms, ` +
        `${r.poll.emptyAnswers} empty answers of ${r.poll.answers}` +
        (busy > CONTENDED_CORES ? ` -- BUSY MACHINE: other ${busy.toFixed(2)} cores` : '')
      );
    },
  );
}

function summary(target: string, runs: Run[]): Record<string, unknown> {
  const of = (pick: (r: Run) => number) => spread(runs.map(pick));
  const posts = of((r) => r.post.perSec);
  const cpuOf = (phase: 'post' | 'poll') =>
    runs.every((r) => r.cpu[phase])
      ? {
          server: round(of((r) => r.cpu[phase]!.server).median, 2),
          service: round(of((r) => r.cpu[phase]!.service).median, 2),
          load: round(of((r) => r.cpu[phase]!.load).median, 2),
          other: round(of((r) => r.cpu[phase]!.other).median, 2),
        }
      : null;
  const lat = (pick: (r: Run) => { p50: number; p99: number; p999: number; max: number }) => {
    const p = { p50: of((r) => pick(r).p50), p99: of((r) => pick(r).p99), p999: of((r) => pick(r).p999), max: of((r) => pick(r).max) };
    return {
      ms: { p50: round(p.p50.median, 2), p99: round(p.p99.median, 2), p999: round(p.p999.median, 2), max: round(p.max.median, 2) },
      range: { p50: range(p.p50, 2), p99: range(p.p99, 2), p999: range(p.p999, 2), max: range(p.max, 2) },
    };
  };
  const postLat = lat((r) => r.post.latency);
  const pollLat = lat((r) => r.poll.latency);
  const serverUsPerPost = runs.every((r) => r.cpu.post)
    ? round(of((r) => (r.cpu.post!.serverSeconds * 1e6) / (r.post.perSec * (r.post.elapsedMs / 1000))).median, 1)
    : null;
  return {
    target,
    runs: runs.length,
    postsPerSec: round(posts.median),
    postsPerSecRange: range(posts),
    postLatencyMs: postLat.ms,
    postLatencyMsRange: postLat.range,
    serverUsPerPost,
    postCpu: cpuOf('post'),
    pollLatencyMs: pollLat.ms,
    pollLatencyMsRange: pollLat.range,
    pollSamples: runs[0].poll.samples,
    pollEmptyAnswers: round(of((r) => r.poll.emptyAnswers).median),
    pollAnswers: round(of((r) => r.poll.answers).median),
    pollCpu: cpuOf('poll'),
    contendedRuns: runs.filter((r) => Math.max(r.cpu.post?.other ?? 0, r.cpu.poll?.other ?? 0) > CONTENDED_CORES).length,
  };
}

function table(lines: BenchLine[]): string {
  const header = ['scenario', 'target', 'POST/s', '(min-max)', 'POST p50', 'POST p99', 'srv µs/POST', 'pollers', 'poll p50', 'poll p99', 'poll p99.9', 'poll max', 'empty', 'ratio'];
  const rows: string[][] = [];
  for (const line of lines) {
    for (const s of [line.figures, line.baseline!] as Array<Record<string, any>>) {
      const sw = s.target.startsWith('switchyard');
      rows.push([
        line.scenario,
        s.target,
        fmtInt(s.postsPerSec),
        `${fmtInt(s.postsPerSecRange[0])}-${fmtInt(s.postsPerSecRange[1])}`,
        fmtMs(s.postLatencyMs.p50),
        fmtMs(s.postLatencyMs.p99),
        s.serverUsPerPost === null ? 'n/a' : String(s.serverUsPerPost),
        String(line.params.pollers),
        fmtMs(s.pollLatencyMs.p50),
        fmtMs(s.pollLatencyMs.p99),
        fmtMs(s.pollLatencyMs.p999),
        fmtMs(s.pollLatencyMs.max),
        `${s.pollEmptyAnswers}/${s.pollAnswers}`,
        sw ? fmtRatio(line.ratio) : '1.00x',
      ]);
    }
  }
  return renderTable(header, rows);
}

async function main(): Promise<void> {
  const options = optionsOrExit(OPTIONS, process.argv.slice(2), 'events-api');
  const launcher = new Launcher(options.pollers + options.postConcurrency);
  let redis: Service | undefined;
  if (options.stores.includes('redis')) {
    const got = await ensureService('redis', log);
    if (typeof got === 'string') {
      log(`events-api: Redis unavailable, measuring the memory store only: ${got}`);
      options.stores = options.stores.filter((s) => s !== 'redis');
    } else redis = got;
  }
  try {
    const variants: Variant[] = [...options.stores.map((s): Variant => `switchyard-${s}`), 'bare-http'];
    const runs = new Map<Variant, Run[]>();
    for (let rep = 1; rep <= options.repeat; rep++) {
      const order = rep % 2 === 1 ? variants : [...variants].reverse();
      for (const variant of order) {
        log(`[events-api ${rep}/${options.repeat}] ${variant}: POST x${options.postConcurrency} for ${options.postSeconds} s; ${options.pollers} pollers, ${options.pollRate} events/s for ${options.pollSeconds} s`);
        runs.set(variant, [...(runs.get(variant) ?? []), await runVariant(launcher, variant, options, redis)]);
      }
    }
    const bare = summary('bare-http', runs.get('bare-http')!);
    const lines = options.stores.map((store) => {
      const sw = summary(`switchyard-${store}`, runs.get(`switchyard-${store}`)!);
      return benchLine({
        scenario: `events-api-${store}`,
        size: options.size,
        params: {
          store,
          postConcurrency: options.postConcurrency,
          postSeconds: options.postSeconds,
          pollers: options.pollers,
          pollRate: options.pollRate,
          pollSeconds: options.pollSeconds,
          repeat: options.repeat,
          pinned: options.pin,
          redis: store === 'redis' ? (redis!.started ? 'throwaway redis-server, no persistence' : 'REDIS_URL') : undefined,
        },
        figures: sw,
        baselineName: 'bare-http',
        baseline: bare,
        ratio: round((sw.postsPerSec as number) / (bare.postsPerSec as number), 3),
        ratioOf: 'postsPerSec',
        pollP99Ratio: round((sw.pollLatencyMs as { p99: number }).p99 / (bare.pollLatencyMs as { p99: number }).p99, 3),
        targets: [],
        contendedRuns: (sw.contendedRuns as number) + (bare.contendedRuns as number),
      });
    });
    for (const line of lines) console.log(JSON.stringify(line));
    const files = writeResults('events-api', lines, options.size);
    console.log(`\n${table(lines)}\n`);
    console.log('latencies in ms; "empty": poll answers without an event before the poll timeout (spurious wake-ups) / all answers in the poll phase');
    console.log('the issue sets no target for the events API; ratio = switchyard POST/s / bare-http POST/s');
    if (options.size === 'tiny') console.log('tiny run: figures only show that the bench works');
    console.log(`written: ${files.join(', ')}`);
  } finally {
    await redis?.stop();
  }
}

scriptMain('events-api', main);
