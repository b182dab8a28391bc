// bench/publish-cost: server CPU per `POST /publish/v1/{api}` (µs of user + system time of the
// server process per accepted publish), with one pizza client admitted to the audience, so each
// publish is also one delivery. The load generator is this process (node:http keep-alive, as the
// fan-out's publisher). `--compare <dir>` (repeatable) runs other checkouts (e.g. main, for a
// before/after figure) the same way, interleaved with this one, alternating the order. CPU time per
// publish only grows when other processes share the cores (caches, switches), so the least
// disturbed run (`best`) is printed beside the median.
//
//   npx tsx bench/publish-cost.ts                               # this checkout, 3 runs
//   npx tsx bench/publish-cost.ts --compare /tmp/sy-main --repeat 5
//   npx tsx bench/publish-cost.ts --profile                     # + a V8 profile per run, see profile-top.ts
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
import { AUDIENCE_ID, EventFactory } from './lib/payloads';
import { machineBusySeconds, processCpuSeconds } from './lib/proc-cpu';
import type { ServerCommand, ServerReply } from './lib/protocol';

const { values: args } = parseArgs({
  options: {
    compare: { type: 'string', multiple: true },
    repeat: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '16' },
    profile: { type: 'boolean', default: false },
  },
});
const repeat = Number(args.repeat);
const seconds = Number(args.seconds);
const warmupSeconds = Number(args.warmup);
const concurrency = Number(args.concurrency);

interface Run {
  publishes: number;
  perSec: number;
  serverUsPerPublish: number;
  otherCores: number;
  delivered: number;
}

function startServer(root: string): { child: ChildProcess; port: Promise<number> } {
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
  let subscriber: WebSocket | undefined;
  try {
    const manager = await signToken(DEV_JWT_SECRET, { sub: 'bench-manager', claims: { store_id: AUDIENCE_ID } });
    const ticket = await http.call('GET', '/api/v1/ws/ticket', { authorization: `Bearer ${manager}` });
    subscriber = await open(`ws://127.0.0.1:${port}/ws?key=${(JSON.parse(ticket.text) as { token: string }).token}`);
    let delivered = 0;
    subscriber.on('message', () => delivered++);
    const publisher = await signToken(DEV_JWT_SECRET, { sub: 'bench-publisher', scope: 'publish' });
    const headers = { authorization: `Bearer ${publisher}` };
    const body = JSON.stringify(events.switchyardEnvelope('bench|t|0|0'));

    let stopAt = 0;
    let count = 0;
    const worker = async (): Promise<void> => {
      while (Date.now() < stopAt) {
        const res = await http.call('POST', '/publish/v1/pizza', headers, body);
        if (res.status !== 202) throw new Error(`HTTP ${res.status} ${res.text}`);
        count++;
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
    const busy0 = machineBusySeconds()!;
    const self0 = process.cpuUsage();
    const t0 = performance.now();
    await phase(seconds * 1000);
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = processCpuSeconds(server.child.pid)! - cpu0;
    const self = process.cpuUsage(self0);
    const other = machineBusySeconds()! - busy0 - cpu - (self.user + self.system) / 1e6;
    if (args.profile) await ask(server.child, { type: 'profile-stop' });
    return { publishes: count, perSec: count / elapsed, serverUsPerPublish: (cpu * 1e6) / count, otherCores: other / elapsed, delivered };
  } finally {
    subscriber?.terminate();
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
        `[${rep}/${repeat}] ${t.label} (${t.root}): ${Math.round(r.perSec)} publishes/s, server ${r.serverUsPerPublish.toFixed(1)} µs/publish, other ${r.otherCores.toFixed(2)} cores`,
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
        seconds,
        runs: rs.length,
        publishesPerSec: Math.round(median(rs.map((r) => r.perSec))),
        serverUsPerPublish: Number(median(us).toFixed(1)),
        bestServerUsPerPublish: Number(Math.min(...us).toFixed(1)),
        serverUsPerPublishMax: Number(Math.max(...us).toFixed(1)),
        otherCoresMedian: Number(median(rs.map((r) => r.otherCores)).toFixed(2)),
      }),
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
