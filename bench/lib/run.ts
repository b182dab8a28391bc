// One measured run: a fresh server child, a fresh load-generator child, a watchdog over both, the
// CPU use of chosen phases, the server's memory at the load generator's checkpoints, and optionally
// a CPU profile of one phase. `runChildren` is what every scenario uses; `runOnce` is the fan-out's.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Launcher, stopChild, tail } from './children';
import { CpuWindow, type CpuUse } from './proc-cpu';
import type { LoadCommand, LoadMessage, LoadPlan, LoadResult, MemorySample, ProfileTool, ServerCommand, ServerReply, Target } from './protocol';

export const SERVER_SCRIPTS: Record<Target, string> = {
  switchyard: 'bench/servers/switchyard-server.ts',
  'bare-ws': 'bench/servers/bare-ws-server.ts',
  'bare-socketio': 'bench/servers/bare-socketio-server.ts',
  centrifugo: 'bench/servers/centrifugo-server.ts',
};
const FANOUT_LOAD_SCRIPT = 'bench/clients/fanout-clients.ts';
const START_TIMEOUT_MS = 90_000;
/** Whatever the progress reports say, no single run may take longer than this. */
const RUN_CAP_MS = 15 * 60_000;
/**
 * Every load generator runs without V8's allocation-site pretenuring. With it, the load generator
 * reading the fastest server's fan-outs came to allocate received frames in the old generation:
 * each delivery lived until a full collection, and those 4-12 ms pauses fell in the middle of later
 * fan-outs, so the server under test paid for the load generator's pauses (bench/README.md).
 * --expose-gc: the fan-out load generator collects its garbage before the latency phase.
 */
const LOAD_NODE_FLAGS = ['--no-allocation-site-pretenuring', '--expose-gc'];
/** With --pin: the server gets one core, the load generator the other. */
export const SERVER_CPU = 1;
export const LOAD_CPU = 0;

export interface ChildSpec {
  script: string;
  args?: string[];
  nodeFlags?: string[];
  /** Pin to this core (taskset). */
  cpu?: number;
}

export interface RunSpec<P extends object> {
  label: string;
  server: ChildSpec;
  /** The load generator gets the plan, with the server's port added, as its first argument (JSON). */
  load: ChildSpec;
  plan: P;
  stallMs: number;
  /** Phases whose CPU use is measured (between the load generator's phase start and end). */
  cpuPhases?: string[];
  /** Processes of services the scenario runs (Redis, Kafka): their CPU is reported apart. */
  servicePids?: number[];
  /** Profile the server over one phase into `file`. */
  profile?: ProfileRequest;
  /** Write a heap snapshot of the server at each checkpoint: `<prefix>-<checkpoint>.heapsnapshot`. */
  heapSnapshotPrefix?: string;
  /** One line per phase change, for the operator watching a long run. */
  onPhase?: (text: string) => void;
  /** The longest the run may take (default RUN_CAP_MS); a soak sets its own. */
  capMs?: number;
}

export interface ProfileRequest {
  phase: string;
  file: string;
  tool: ProfileTool;
}

export interface RunOutcome<R> {
  result: R;
  /** Per measured phase; undefined where /proc is not available or the phase was too short. */
  cpu: Record<string, CpuUse | undefined>;
  /** The server's memory at each checkpoint of the load generator. */
  memory: Record<string, MemorySample>;
}

export async function runChildren<P extends object, R>(launcher: Launcher, spec: RunSpec<P>): Promise<RunOutcome<R>> {
  const { server: s, load: l } = spec;
  // --expose-gc only makes `gc()` callable: the memory checkpoints collect garbage before measuring.
  // perf reads JIT-compiled function names from the /tmp/perf-<pid>.map this flag makes node write.
  const perfMap = spec.profile?.tool === 'perf' ? ['--perf-basic-prof'] : [];
  const server = launcher.start(s.script, s.args ?? [], ['--expose-gc', ...perfMap, ...(s.nodeFlags ?? [])], s.cpu);
  const serverErr = tail(server.stderr);
  let load: ChildProcess | undefined;
  try {
    const { port, pids } = await readPort(server, spec.label, serverErr);
    load = launcher.start(l.script, [JSON.stringify({ ...spec.plan, port }), ...(l.args ?? [])], [...LOAD_NODE_FLAGS, ...(l.nodeFlags ?? [])], l.cpu);
    return await watch<P, R>(server, [server.pid, ...pids], load, spec, serverErr, tail(load.stderr));
  } finally {
    if (load) await stopChild(load);
    await stopChild(server);
  }
}

/** The port line: `{"port": N}`, and `pids` when the server runs in processes of its own (Centrifugo). */
function readPort(server: ChildProcess, label: string, stderr: () => string): Promise<{ port: number; pids: number[] }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label}: the server printed no port within ${START_TIMEOUT_MS / 1000} s\n${stderr()}`)), START_TIMEOUT_MS);
    const lines = createInterface({ input: server.stdout! });
    lines.on('line', (line) => {
      try {
        const { port, pids } = JSON.parse(line) as { port?: unknown; pids?: number[] };
        if (typeof port !== 'number') return;
        clearTimeout(timer);
        lines.close();
        server.stdout!.resume(); // keep draining: a full pipe would block the server
        resolve({ port, pids: pids ?? [] });
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

function watch<P extends object, R>(
  server: ChildProcess,
  serverPids: Array<number | undefined>,
  load: ChildProcess,
  spec: RunSpec<P>,
  serverErr: () => string,
  loadErr: () => string,
): Promise<RunOutcome<R>> {
  const { label } = spec;
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    let lastChangeAt = Date.now();
    let where = 'starting';
    let lastDone = -1;
    const windows = new Map<string, CpuWindow>();
    const cpu: Record<string, CpuUse | undefined> = {};
    const memory: Record<string, MemorySample> = {};
    let profileWritten: Promise<void> = Promise.resolve();
    let settled = false;

    const finish = (error: Error | undefined, result?: R): void => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      server.off('exit', onServerExit);
      load.off('exit', onLoadExit);
      if (error) reject(error);
      else resolve({ result: result as R, cpu, memory });
    };
    const onServerExit = (code: number | null, signal: string | null): void =>
      finish(new Error(`${label}: the server died during ${where} (${signal ?? code})\n${serverErr()}`));
    const onLoadExit = (code: number | null, signal: string | null): void =>
      finish(new Error(`${label}: the load generator died during ${where} (${signal ?? code})\n${loadErr()}`));
    server.once('exit', onServerExit);
    load.once('exit', onLoadExit);

    const watchdog = setInterval(() => {
      const now = Date.now();
      if (now - lastChangeAt > spec.stallMs) {
        finish(new Error(`${label}: stalled: no progress in ${where} for ${spec.stallMs / 1000} s; aborting`));
      } else if (now - startedAt > (spec.capMs ?? RUN_CAP_MS)) {
        finish(new Error(`${label}: the run exceeded ${(spec.capMs ?? RUN_CAP_MS) / 60_000} min (at ${where}); aborting`));
      }
    }, 1_000);

    load.on('message', (message: LoadMessage<R>) => {
      switch (message.type) {
        case 'progress':
          if (message.done !== lastDone) lastChangeAt = Date.now();
          lastDone = message.done;
          where = `${message.phase} (${message.done}/${message.total})`;
          return;
        case 'phase': {
          lastChangeAt = Date.now();
          lastDone = -1;
          where = message.phase;
          spec.onPhase?.(`${label}: ${message.phase} ${message.state}`);
          const measured = spec.cpuPhases?.includes(message.phase);
          const profiled = spec.profile?.phase === message.phase;
          if (message.state === 'start') {
            if (measured) windows.set(message.phase, new CpuWindow(serverPids, load.pid, spec.servicePids));
            if (profiled) command(server, { type: 'profile-start', tool: spec.profile!.tool, file: spec.profile!.file });
          } else {
            const window = windows.get(message.phase);
            if (window) cpu[message.phase] = window.end();
            windows.delete(message.phase);
            if (profiled) profileWritten = stopProfile(server);
          }
          return;
        }
        case 'checkpoint':
          lastChangeAt = Date.now();
          where = `checkpoint ${message.name}`;
          ask<Extract<ServerReply, { type: 'memory' }>>(
            server,
            { type: 'memory', snapshotFile: spec.heapSnapshotPrefix ? `${spec.heapSnapshotPrefix}-${message.name}.heapsnapshot` : undefined },
            'memory',
          ).then(
            (reply) => {
              memory[message.name] = reply.memory;
              lastChangeAt = Date.now();
              load.send({ type: 'go' } satisfies LoadCommand);
            },
            (err: Error) => finish(new Error(`${label}: reading the server's memory failed: ${err.message}`)),
          );
          return;
        case 'result':
          load.off('exit', onLoadExit); // its work is done: it may exit while the profile is written
          profileWritten.then(
            () => finish(undefined, message.result),
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

/** Sends a command and resolves with the first reply of type `expect` (a profile-error rejects). */
function ask<T extends ServerReply>(server: ChildProcess, message: ServerCommand, expect: T['type']): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      server.off('message', onReply);
      reject(new Error(`no ${expect} reply within 60 s`));
    }, 60_000);
    const onReply = (reply: ServerReply): void => {
      if (reply.type !== expect && reply.type !== 'profile-error') return;
      clearTimeout(timer);
      server.off('message', onReply);
      if (reply.type === 'profile-error') reject(new Error(reply.message));
      else resolve(reply as T);
    };
    server.on('message', onReply);
    command(server, message);
  });
}

function stopProfile(server: ChildProcess): Promise<void> {
  return ask(server, { type: 'profile-stop' }, 'profile-written').then(() => undefined);
}

// ---------------------------------------------------------------------------------------------
// The fan-out scenarios' run (bench/fanout.ts, bench/socketio-fanout.ts, bench/connections.ts).

export interface RunResult extends LoadResult {
  /** CPU use during the throughput phase; undefined where /proc is not available. */
  cpu: CpuUse | undefined;
  /** CPU use during the latency phase (a fixed rate below saturation). */
  latencyCpu: CpuUse | undefined;
  memory: Record<string, MemorySample>;
}

export interface RunOptions {
  stallMs: number;
  /** When set, the server is profiled over this phase into this file. */
  profile?: ProfileRequest;
  /** Server on one core, load generator on the other. */
  pin?: boolean;
  /** Extra environment for switchyard (JSON argument of servers/switchyard-server.ts). */
  serverEnv?: Record<string, string>;
  /** The Centrifugo binary, for the centrifugo target. */
  centrifugoBinary?: string;
  onPhase?: (text: string) => void;
}

/** The server script's argument: switchyard's extra environment, or Centrifugo's binary. */
export function serverArgs(target: Target, options: Pick<RunOptions, 'serverEnv' | 'centrifugoBinary'>): string[] {
  if (target === 'switchyard' && options.serverEnv) return [JSON.stringify(options.serverEnv)];
  if (target === 'centrifugo') {
    if (!options.centrifugoBinary) throw new Error('the centrifugo target needs the binary (bench/lib/centrifugo.ts locateCentrifugo)');
    return [JSON.stringify({ binary: options.centrifugoBinary })];
  }
  return [];
}

export async function runOnce(launcher: Launcher, plan: Omit<LoadPlan, 'port'>, options: RunOptions): Promise<RunResult> {
  const outcome = await runChildren<Omit<LoadPlan, 'port'>, LoadResult>(launcher, {
    label: `${plan.scenario}/${plan.target}`,
    server: {
      script: SERVER_SCRIPTS[plan.target],
      args: serverArgs(plan.target, options),
      cpu: options.pin ? SERVER_CPU : undefined,
    },
    load: { script: FANOUT_LOAD_SCRIPT, cpu: options.pin ? LOAD_CPU : undefined },
    plan,
    stallMs: options.stallMs,
    cpuPhases: ['throughput', 'latency'],
    profile: options.profile,
    onPhase: options.onPhase,
  });
  return { ...outcome.result, cpu: outcome.cpu.throughput, latencyCpu: outcome.cpu.latency, memory: outcome.memory };
}
