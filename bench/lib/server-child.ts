// The life of a server child process: start, print `{"port": N}` on stdout, obey the parent's
// profiling commands, and stop on SIGTERM/SIGINT or as soon as the parent goes away (the IPC
// channel closing is the one signal that survives the parent being killed with SIGKILL).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import type { ServerCommand, ServerReply } from './protocol';

export interface RunningServer {
  port: number;
  stop(): Promise<void>;
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
