// The life of a server child process: start, print `{"port": N}` on stdout, obey the parent's
// profiling and memory commands, and stop on SIGTERM/SIGINT or as soon as the parent goes away (the IPC
// channel closing is the one signal that survives the parent being killed with SIGKILL).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Session } from 'node:inspector';
import { writeHeapSnapshot } from 'node:v8';
import type { MemorySample, ProfileTool, ServerCommand, ServerReply } from './protocol';

export interface RunningServer {
  port: number;
  stop(): Promise<void>;
  /**
   * A server that runs in another process (Centrifugo): its pids, printed with the port so the
   * parent counts their CPU as the server's, and its own memory reading instead of this process's.
   */
  pids?: number[];
  memory?(): Promise<MemorySample>;
}

/**
 * Listens on a free loopback port; the server it returns stops by running `close` (the baseline's
 * own shutdown: its sockets, its library), then closing the HTTP server and every connection left.
 */
export async function listenLocal(server: Server, close: () => void = () => undefined): Promise<RunningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function runServerChild(name: string, start: () => Promise<RunningServer>): void {
  let running: RunningServer | undefined;
  let exiting = false;
  const exit = (code: number): void => {
    if (exiting) return;
    exiting = true;
    // Never hang on a slow stop: the parent is waiting for this process to go.
    setTimeout(() => process.exit(code), 3_000).unref();
    void (running?.stop() ?? Promise.resolve()).catch(() => undefined).finally(() => process.exit(code));
  };
  process.on('SIGTERM', () => exit(0));
  process.on('SIGINT', () => exit(0));
  process.on('disconnect', () => exit(0));

  const profiler = new PhaseProfiler();
  process.on('message', (command: ServerCommand) => {
    const reply = (r: ServerReply): void => void process.send?.(r);
    if (command.type === 'profile-start') profiler.start(command.tool, command.file, running?.pids?.[0]);
    else if (command.type === 'memory') {
      if (running?.memory) {
        running.memory().then(
          (memory) => reply({ type: 'memory', memory }),
          (err: unknown) => reply({ type: 'profile-error', message: `memory: ${String(err)}` }),
        );
        return;
      }
      const memory = memorySample();
      if (command.snapshotFile) writeHeapSnapshot(command.snapshotFile);
      reply({ type: 'memory', memory });
    }
    else if (command.type === 'profile-stop') {
      profiler.stop().then(
        (file) => reply({ type: 'profile-written', file }),
        (err: unknown) => reply({ type: 'profile-error', message: String(err) }),
      );
    }
  });

  start().then(
    (server) => {
      running = server;
      process.stdout.write(`${JSON.stringify(server.pids ? { port: server.port, pids: server.pids } : { port: server.port })}\n`);
    },
    (err: unknown) => {
      process.stderr.write(`${name}: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}

/**
 * Profiles one phase rather than the process's whole life: the in-process V8 profiler (JavaScript
 * only; a syscall's kernel time shows as its JavaScript caller), or Linux perf attached to this
 * process (kernel and native frames too; the parent started node with --perf-basic-prof).
 */
class PhaseProfiler {
  private session: { session: Session; file: string } | undefined;
  private perf: { child: ChildProcess; file: string; exited: Promise<string | undefined> } | undefined;

  /** `pid`: the process perf records (default this one; a server running elsewhere gives its own). */
  start(tool: ProfileTool, file: string, pid = process.pid): void {
    if (tool === 'perf') {
      const child = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '2000', '-g', '-p', String(pid), '-o', file], { stdio: 'ignore' });
      const exited = new Promise<string | undefined>((resolve) => {
        child.once('error', (err) => resolve(`perf could not be started: ${err.message}`));
        child.once('exit', (code, signal) => resolve(code === 0 || signal === 'SIGINT' ? undefined : `perf record exited with ${signal ?? code}`));
      });
      this.perf = { child, file, exited };
      return;
    }
    const session = new Session();
    session.connect();
    session.post('Profiler.enable');
    session.post('Profiler.start');
    this.session = { session, file };
  }

  /** Resolves with the file written. */
  stop(): Promise<string> {
    const perf = this.perf;
    if (perf) {
      this.perf = undefined;
      perf.child.kill('SIGINT'); // perf writes its file and exits
      return perf.exited.then((error) => {
        if (error) throw new Error(error);
        return perf.file;
      });
    }
    const profiling = this.session;
    if (!profiling) return Promise.reject(new Error('the profiler was not started'));
    this.session = undefined;
    const { session, file } = profiling;
    return new Promise((resolve, reject) => {
      session.post('Profiler.stop', (err, result) => {
        session.disconnect();
        if (err) return reject(err);
        writeFileSync(file, JSON.stringify(result.profile));
        resolve(file);
      });
    });
  }
}

/**
 * Memory after full garbage collections (when started with --expose-gc), so what is left is what
 * the process really holds: the connection scenario divides its growth by the connection count.
 */
function memorySample(): MemorySample {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) for (let i = 0; i < 3; i++) gc(); // weak callbacks and finalizers can free more on a second pass
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, gc: gc !== undefined };
}
