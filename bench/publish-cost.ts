// bench/publish-cost: server CPU per `POST /publish/v1/{api}` (µs of user + system time of the
// server process per accepted event) and its write system calls per event, with pizza clients
// admitted to the audience (`--subscribers`, default 1), so each event is a delivery to each. The load generator is this process (node:http keep-alive, as the
// fan-out's publisher). `--compare <dir>` (repeatable) runs other checkouts (e.g. main, for a
// before/after figure) the same way, interleaved with this one, alternating the order. CPU time per
// publish only grows when other processes share the cores (caches, switches), so the least
// disturbed run (`best`) is printed beside the median.
//
//   npx tsx bench/publish-cost.ts                               # this checkout, 3 runs
//   npx tsx bench/publish-cost.ts --compare /tmp/sy-main --repeat 5
//   npx tsx bench/publish-cost.ts --profile                     # + a V8 profile per run, see profile-top.ts
//   npx tsx bench/publish-cost.ts --batch 100 --subscribers 100 # 100 events per request, 100 clients
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type WebSocket from 'ws';
import { DEV_JWT_SECRET } from '../src/config';
import { signToken } from '../src/auth/token';
import { HttpClient } from './clients/http';
import { open } from './clients/targets';
import { REPO_ROOT, stopChild } from './lib/children';
import { buildShipped } from './lib/shipped';
import { AUDIENCE_ID, EventFactory } from './lib/payloads';
import { machineBusySeconds, processCpuSeconds, processWriteCalls } from './lib/proc-cpu';
import type { ServerCommand, ServerReply } from './lib/protocol';

const { values: args } = parseArgs({
  options: {
    compare: { type: 'string', multiple: true },
    repeat: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '16' },
    profile: { type: 'boolean', default: false },
    batch: { type: 'string', default: '0' },
    subscribers: { type: 'string', default: '1' },
    help: { type: 'boolean', default: false },
  },
});
const USAGE = `Usage: npx tsx bench/publish-cost.ts [options]
  --repeat N        runs per checkout; median and best (default 3)
  --seconds N       measured seconds per run (default 5), after --warmup N seconds (default 2)
  --concurrency N   publish requests in flight (default 16)
  --batch N         N events per request to /publish/v1/pizza/batch (default 0: one per POST /publish/v1/pizza)
  --subscribers N   pizza clients in the audience, each a delivery per event (default 1)
  --compare DIR     also run the checkout in DIR (repeatable), interleaved: a before/after figure
  --profile         a V8 profile of the server per run (bench/results/profiles/; read it with bench/profile-top.ts)`;
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
/** A whole number of at least `min`, or a usage error naming the option. */
function count(name: keyof typeof args, min: number): number {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < min) {
    console.error(`bench/publish-cost: --${name} wants a whole number >= ${min}, not "${String(args[name])}"\n${USAGE}`);
    process.exit(2);
  }
  return value;
}
const repeat = count('repeat', 1);
const seconds = count('seconds', 1);
const warmupSeconds = count('warmup', 0);
const concurrency = count('concurrency', 1);
/** Events per request to /publish/v1/pizza/batch; 0: one event per POST /publish/v1/pizza. */
const batch = count('batch', 0);
const subscriberCount = count('subscribers', 1);

interface Run {
  publishes: number;
  perSec: number;
  serverUsPerPublish: number;
  /** Write system calls of the server (/proc/<pid>/io syscw) per event published. */
  writesPerPublish: number;
  otherCores: number;
  delivered: number;
}

function startServer(root: string): { child: ChildProcess; port: Promise<number> } {
  buildShipped(root);
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(root, 'bench/servers/switchyard-server.ts')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const port = new Promise<number>((done, fail) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const parsed = (() => {
        try {
          return JSON.parse(line) as { port?: number };
        } catch {
          return {};
        }
      })();
      if (typeof parsed.port === 'number') done(parsed.port);
    });
    child.once('exit', (code) => fail(new Error(`server exited (${code})`)));
  });
  return { child, port };
}

function ask(child: ChildProcess, command: ServerCommand): Promise<ServerReply> {
  return new Promise((done) => {
    child.once('message', (reply: ServerReply) => done(reply));
    child.send(command);
  });
}

async function runOnce(root: string, label: string, rep: number): Promise<Run> {
  const server = startServer(root);
  const port = await server.port;
  const http = new HttpClient(port, concurrency);
  const events = new EventFactory('pizza');
  const subscribers: WebSocket[] = [];
  try {
    const manager = await signToken(DEV_JWT_SECRET, { sub: 'bench-manager', claims: { store_id: AUDIENCE_ID } });
    let delivered = 0;
    for (let i = 0; i < subscriberCount; i++) {
      const ticket = await http.call('GET', '/api/v1/ws/ticket', { authorization: `Bearer ${manager}` });
      const ws = await open(`ws://127.0.0.1:${port}/ws?key=${(JSON.parse(ticket.text) as { token: string }).token}`);
      ws.on('message', () => delivered++);
      subscribers.push(ws);
    }
    const publisher = await signToken(DEV_JWT_SECRET, { sub: 'bench-publisher', scope: 'publish' });
    const headers = { authorization: `Bearer ${publisher}` };
    const envelope = events.switchyardEnvelope('bench|t|0|0');
    const [path, body, ok, perRequest] =
      batch > 0
        ? ['/publish/v1/pizza/batch', JSON.stringify({ events: Array.from({ length: batch }, () => envelope) }), 200, batch]
        : ['/publish/v1/pizza', JSON.stringify(envelope), 202, 1];

    let stopAt = 0;
    let count = 0;
    const worker = async (): Promise<void> => {
      while (Date.now() < stopAt) {
        const res = await http.call('POST', path, headers, body);
        if (res.status !== ok) throw new Error(`HTTP ${res.status} ${res.text}`);
        count += perRequest;
      }
    };
    const phase = (ms: number) => {
      stopAt = Date.now() + ms;
      return Promise.all(Array.from({ length: concurrency }, worker));
    };
    await phase(warmupSeconds * 1000);
    // One admission check: the subscriber is in the audience (a publish reaches it).
    if (delivered === 0) throw new Error('the subscriber received nothing in the warm-up');

    const profileFile = join(REPO_ROOT, 'bench/results/profiles', `publish-${label}-${rep}.cpuprofile`);
    if (args.profile) {
      mkdirSync(join(REPO_ROOT, 'bench/results/profiles'), { recursive: true });
      server.child.send({ type: 'profile-start', tool: 'v8', file: profileFile } satisfies ServerCommand);
    }
    count = 0;
    const cpu0 = processCpuSeconds(server.child.pid)!;
    const writes0 = processWriteCalls(server.child.pid)!;
    const busy0 = machineBusySeconds()!;
    const self0 = process.cpuUsage();
    const t0 = performance.now();
    await phase(seconds * 1000);
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = processCpuSeconds(server.child.pid)! - cpu0;
    const writes = processWriteCalls(server.child.pid)! - writes0;
    const self = process.cpuUsage(self0);
    const other = machineBusySeconds()! - busy0 - cpu - (self.user + self.system) / 1e6;
    if (args.profile) await ask(server.child, { type: 'profile-stop' });
    return { publishes: count, perSec: count / elapsed, serverUsPerPublish: (cpu * 1e6) / count, writesPerPublish: writes / count, otherCores: other / elapsed, delivered };
  } finally {
    for (const ws of subscribers) ws.terminate();
    http.close();
    await stopChild(server.child);
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const targets: Array<{ label: string; root: string }> = [{ label: 'this', root: REPO_ROOT }];
  for (const [i, dir] of (args.compare ?? []).entries()) targets.push({ label: `compare${i + 1}`, root: resolve(dir) });
  const runs = new Map<string, Run[]>(targets.map((t) => [t.label, []]));
  for (let rep = 1; rep <= repeat; rep++) {
    for (const t of rep % 2 === 1 ? targets : [...targets].reverse()) {
      const r = await runOnce(t.root, t.label, rep);
      runs.get(t.label)!.push(r);
      console.error(
        `[${rep}/${repeat}] ${t.label} (${t.root}): ${Math.round(r.perSec)} publishes/s, server ${r.serverUsPerPublish.toFixed(1)} µs/publish, ${r.writesPerPublish.toFixed(2)} writes/publish, other ${r.otherCores.toFixed(2)} cores`,
      );
    }
  }
  for (const t of targets) {
    const rs = runs.get(t.label)!;
    const us = rs.map((r) => r.serverUsPerPublish);
    console.log(
      JSON.stringify({
        scenario: 'publish-cost',
        target: t.label,
        root: t.root,
        concurrency,
        batch,
        subscribers: subscriberCount,
        seconds,
        runs: rs.length,
        publishesPerSec: Math.round(median(rs.map((r) => r.perSec))),
        serverUsPerPublish: Number(median(us).toFixed(1)),
        bestServerUsPerPublish: Number(Math.min(...us).toFixed(1)),
        serverUsPerPublishMax: Number(Math.max(...us).toFixed(1)),
        writesPerPublish: Number(median(rs.map((r) => r.writesPerPublish)).toFixed(2)),
        otherCoresMedian: Number(median(rs.map((r) => r.otherCores)).toFixed(2)),
      }),
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
