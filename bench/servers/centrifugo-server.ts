// Centrifugo, the peer target, behind the same server-child life cycle as the Node servers: this
// process writes a configuration (bench/lib/centrifugo.ts) into a temporary directory, starts the
// binary given as its argument (JSON: {"binary": path}) on a free loopback port, waits until it
// answers /health, and prints the port with Centrifugo's pid, so the parent counts Centrifugo's
// CPU as the server's. Pinned with taskset, Centrifugo inherits the core (and Go sizes GOMAXPROCS
// to it). Memory readings are Centrifugo's: RSS from /proc, the Go heap after a full GC from
// /debug/pprof/heap?gc=1.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { centrifugoConfig } from '../lib/centrifugo';
import type { MemorySample } from '../lib/protocol';
import { runServerChild } from '../lib/server-child';
import { tail } from '../lib/children';

const START_TIMEOUT_MS = 30_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitHealthy(port: number, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const why = exited();
    if (why) throw new Error(why);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Centrifugo did not answer /health within ${START_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Resident set of `pid` in bytes (/proc/<pid>/status VmRSS). */
function rssOf(pid: number): number {
  const m = /^VmRSS:\s*(\d+)\s*kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** A full GC in Centrifugo, then its Go heap figures (runtime.MemStats, as pprof's debug=1 prints them). */
async function goHeap(port: number): Promise<{ heapAlloc: number; heapSys: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/debug/pprof/heap?gc=1&debug=1`)).text();
  const stat = (name: string): number => {
    const m = new RegExp(`^# ${name} = (\\d+)`, 'm').exec(text);
    if (!m) throw new Error(`pprof heap: no ${name}`);
    return Number(m[1]);
  };
  return { heapAlloc: stat('HeapAlloc'), heapSys: stat('HeapSys') };
}

runServerChild('centrifugo-server', async () => {
  const { binary } = JSON.parse(process.argv[2] ?? '{}') as { binary?: string };
  if (!binary) throw new Error('centrifugo-server needs {"binary": path} as its argument');
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-centrifugo-'));
  const port = await freePort();
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify(centrifugoConfig(port), null, 2));
  const child = spawn(binary, ['-c', config], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = tail(child.stderr);
  let exit: string | undefined;
  let stopping = false;
  child.once('error', (err) => (exit = `Centrifugo could not be started (${binary}): ${err.message}`));
  child.once('exit', (code, signal) => {
    exit ??= `Centrifugo exited (${signal ?? code})\n${stderr()}`;
    // Died under load: this process goes too, so the parent's run fails with the reason.
    if (!stopping) {
      process.stderr.write(`${exit}\n`);
      process.exit(1);
    }
  });
  // If this process is killed outright (SIGKILL), nothing here runs: a detached watchdog stops
  // Centrifugo once this process is gone, so a killed bench leaves no server behind.
  spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -9 ${child.pid} 2>/dev/null`], { detached: true, stdio: 'ignore' }).unref();
  await waitHealthy(port, () => exit);
  const pid = child.pid!;
  return {
    port,
    pids: [pid],
    memory: async (): Promise<MemorySample> => {
      const heap = await goHeap(port);
      return { rss: rssOf(pid), heapUsed: heap.heapAlloc, heapTotal: heap.heapSys, external: 0, arrayBuffers: 0, gc: true };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        const done = (): void => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGKILL'); // nothing to keep: the bench's server state is thrown away
      }),
  };
});
