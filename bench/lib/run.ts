// One measured run: a fresh server child, a fresh load-generator child, a watchdog over both, and
// the server's CPU (and optionally a CPU profile) over the throughput phase.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Launcher, stopChild, tail } from './children';
import { CpuWindow, type CpuUse } from './proc-cpu';
import type { LoadMessage, LoadPlan, LoadResult, ServerCommand, ServerReply, Target } from './protocol';

const SERVER_SCRIPTS: Record<Target, string> = {
  switchyard: 'bench/servers/switchyard-server.ts',
  'bare-ws': 'bench/servers/bare-ws-server.ts',
};
const LOAD_SCRIPT = 'bench/clients/fanout-clients.ts';
const START_TIMEOUT_MS = 60_000;
/** Whatever the progress reports say, no single run may take longer than this. */
const RUN_CAP_MS = 15 * 60_000;

export interface RunResult extends LoadResult {
  /** CPU use during the throughput phase; undefined where /proc is not available. */
  cpu: CpuUse | undefined;
}

export interface RunOptions {
  stallMs: number;
  /** When set, the server's throughput phase is CPU-profiled into this file. */
  profileFile?: string;
  /** One line per phase change, for the operator watching a long run. */
  onPhase?: (text: string) => void;
}

export async function runOnce(launcher: Launcher, plan: Omit<LoadPlan, 'port'>, options: RunOptions): Promise<RunResult> {
  const label = `${plan.scenario}/${plan.target}`;
  const server = launcher.start(SERVER_SCRIPTS[plan.target], []);
  const serverErr = tail(server.stderr);
  let load: ChildProcess | undefined;
  try {
    const port = await readPort(server, label, serverErr);
    load = launcher.start(LOAD_SCRIPT, [JSON.stringify({ ...plan, port } satisfies LoadPlan)]);
    return await watch(server, load, label, serverErr, tail(load.stderr), options);
  } finally {
    if (load) await stopChild(load);
    await stopChild(server);
  }
}

function readPort(server: ChildProcess, label: string, stderr: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label}: the server printed no port within ${START_TIMEOUT_MS / 1000} s\n${stderr()}`)), START_TIMEOUT_MS);
    const lines = createInterface({ input: server.stdout! });
    lines.on('line', (line) => {
      try {
        const { port } = JSON.parse(line) as { port?: unknown };
        if (typeof port !== 'number') return;
        clearTimeout(timer);
        lines.close();
        server.stdout!.resume(); // keep draining: a full pipe would block the server
        resolve(port);
      } catch {
        // not the port line: ignore
      }
    });
    server.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${label}: the server exited before listening (${signal ?? code})\n${stderr()}`));
    });
  });
}

function watch(
  server: ChildProcess,
  load: ChildProcess,
  label: string,
  serverErr: () => string,
  loadErr: () => string,
  options: RunOptions,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    let lastChangeAt = Date.now();
    let where = 'starting';
    let lastDone = -1;
    let window: CpuWindow | undefined;
    let cpu: CpuUse | undefined;
    let profileWritten: Promise<void> = Promise.resolve();
    let settled = false;

    const finish = (error: Error | undefined, result?: RunResult): void => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      server.off('exit', onServerExit);
      load.off('exit', onLoadExit);
      if (error) reject(error);
      else resolve(result!);
    };
    const onServerExit = (code: number | null, signal: string | null): void =>
      finish(new Error(`${label}: the server died during ${where} (${signal ?? code})\n${serverErr()}`));
    const onLoadExit = (code: number | null, signal: string | null): void =>
      finish(new Error(`${label}: the load generator died during ${where} (${signal ?? code})\n${loadErr()}`));
    server.once('exit', onServerExit);
    load.once('exit', onLoadExit);

    const watchdog = setInterval(() => {
      const now = Date.now();
      if (now - lastChangeAt > options.stallMs) {
        finish(new Error(`${label}: stalled: no progress in ${where} for ${options.stallMs / 1000} s; aborting`));
      } else if (now - startedAt > RUN_CAP_MS) {
        finish(new Error(`${label}: the run exceeded ${RUN_CAP_MS / 60_000} min (at ${where}); aborting`));
      }
    }, 1_000);

    load.on('message', (message: LoadMessage) => {
      switch (message.type) {
        case 'progress':
          if (message.done !== lastDone) lastChangeAt = Date.now();
          lastDone = message.done;
          where = `${message.phase} (${message.done}/${message.total})`;
          return;
        case 'phase':
          lastChangeAt = Date.now();
          lastDone = -1;
          where = message.phase;
          options.onPhase?.(`${label}: ${message.phase} ${message.state}`);
          if (message.phase !== 'throughput') return;
          if (message.state === 'start') {
            window = new CpuWindow(server.pid, load.pid);
            if (options.profileFile) command(server, { type: 'profile-start' });
          } else if (window) {
            cpu = window.end();
            if (options.profileFile) profileWritten = stopProfile(server, options.profileFile);
          }
          return;
        case 'result':
          profileWritten.then(
            () => finish(undefined, { ...message.result, cpu }),
            (err: Error) => finish(new Error(`${label}: profiling failed: ${err.message}`)),
          );
          return;
        case 'error':
          finish(new Error(`${label}: the load generator failed during ${where}: ${message.message}`));
          return;
      }
    });
  });
}

function command(server: ChildProcess, message: ServerCommand): void {
  server.send(message);
}

function stopProfile(server: ChildProcess, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onReply = (reply: ServerReply): void => {
      server.off('message', onReply);
      if (reply.type === 'profile-written') resolve();
      else reject(new Error(reply.message));
    };
    server.on('message', onReply);
    command(server, { type: 'profile-stop', file });
  });
}
