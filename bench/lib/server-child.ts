// The life of a server child process: start, print `{"port": N}` on stdout, obey the parent's
// profiling and memory commands, and stop on SIGTERM/SIGINT or as soon as the parent goes away (the IPC
// channel closing is the one signal that survives the parent being killed with SIGKILL).
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Session } from 'node:inspector';
import { writeHeapSnapshot } from 'node:v8';
import type { MemorySample, ServerCommand, ServerReply } from './protocol';

export interface RunningServer {
  port: number;
  stop(): Promise<void>;
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

  const profiler = new ThroughputProfiler();
  process.on('message', (command: ServerCommand) => {
    const reply = (r: ServerReply): void => void process.send?.(r);
    if (command.type === 'profile-start') profiler.start();
    else if (command.type === 'memory') {
      const memory = memorySample();
      if (command.snapshotFile) writeHeapSnapshot(command.snapshotFile);
      reply({ type: 'memory', memory });
    }
    else if (command.type === 'profile-stop') {
      profiler.stop(command.file).then(
        () => reply({ type: 'profile-written', file: command.file }),
        (err: unknown) => reply({ type: 'profile-error', message: String(err) }),
      );
    }
  });

  start().then(
    (server) => {
      running = server;
      process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
    },
    (err: unknown) => {
      process.stderr.write(`${name}: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}

/** In-process V8 CPU profiler, so the profile covers one phase rather than the process's whole life. */
class ThroughputProfiler {
  private session: Session | undefined;

  start(): void {
    this.session = new Session();
    this.session.connect();
    this.session.post('Profiler.enable');
    this.session.post('Profiler.start');
  }

  stop(file: string): Promise<void> {
    const session = this.session;
    if (!session) return Promise.reject(new Error('the profiler was not started'));
    this.session = undefined;
    return new Promise((resolve, reject) => {
      session.post('Profiler.stop', (err, result) => {
        session.disconnect();
        if (err) return reject(err);
        writeFileSync(file, JSON.stringify(result.profile));
        resolve();
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
