// Child processes of the bench: spawned with enough file descriptors for their sockets, tracked,
// and killed whatever way the parent ends (normal exit, error, Ctrl-C, SIGTERM).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');

const live = new Set<ChildProcess>();
/** Synchronous clean-ups run on the way out after the children are killed (e.g. stopping a broker). */
const exitHooks = new Set<() => void>();

function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
  for (const hook of [...exitHooks]) {
    exitHooks.delete(hook);
    try {
      hook();
    } catch {
      // best effort: the next hook still runs
    }
  }
}

/** Registers a synchronous clean-up for every way out (normal exit, error, signals); returns its removal. */
export function onExit(hook: () => void): () => void {
  exitHooks.add(hook);
  return () => exitHooks.delete(hook);
}

let installed = false;
/** Kills every child on the way out; call once, early. */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll); // synchronous, so it runs even on process.exit()
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping children\n`);
      killAll();
      process.exit(130);
    });
  }
}

interface Limits {
  soft: number;
  hard: number;
}

function fileLimits(): Limits | undefined {
  try {
    const out = execFileSync('/bin/sh', ['-c', 'ulimit -n; ulimit -Hn'], { encoding: 'utf8' }).trim().split('\n');
    const parse = (s: string | undefined): number => (s === undefined || s.trim() === 'unlimited' ? Infinity : Number(s));
    return { soft: parse(out[0]), hard: parse(out[1]) };
  } catch {
    return undefined; // no POSIX shell: spawn directly and let EMFILE speak for itself
  }
}

/**
 * How to start a child that will hold `sockets` sockets. Node cannot raise its own RLIMIT_NOFILE, so
 * when the soft limit is too low the child is started through `sh -c 'ulimit -n ...; exec node ...'`;
 * when even the hard limit is too low, the bench stops with a message saying what to do.
 */
export class Launcher {
  private readonly wrap: number | undefined;

  constructor(sockets: number) {
    const needed = sockets + 256; // plus stdio, HTTP, the event loop's own descriptors
    const limits = fileLimits();
    if (!limits || limits.soft >= needed) return;
    if (limits.hard < needed) {
      throw new Error(
        `bench: each child needs about ${needed} open files but the hard limit is ${limits.hard} (ulimit -Hn). ` +
          `Raise it (e.g. /etc/security/limits.conf, or run as a user allowed to), or use fewer --clients.`,
      );
    }
    this.wrap = needed;
  }

  /**
   * Starts `node --require tsx/cjs <script> ...args` with an IPC channel; `cpu` pins it to that core
   * (taskset), when taskset is there.
   */
  start(script: string, args: string[], nodeFlags: string[] = [], cpu?: number): ChildProcess {
    const node = [...nodeFlags, '--require', 'tsx/cjs', join(REPO_ROOT, script), ...args];
    const pin = cpu !== undefined && hasTaskset() ? ['taskset', '-c', String(cpu)] : [];
    const [command, argv] =
      this.wrap === undefined
        ? pin.length > 0
          ? [pin[0], [...pin.slice(1), process.execPath, ...node]]
          : [process.execPath, node]
        : ['/bin/sh', ['-c', `ulimit -n ${this.wrap} && exec ${pin.join(' ')} "$0" "$@"`, process.execPath, ...node]];
    const child = spawn(command, argv, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    live.add(child);
    child.once('exit', () => live.delete(child));
    return child;
  }
}

let taskset: boolean | undefined;
function hasTaskset(): boolean {
  if (taskset === undefined) {
    try {
      execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
      taskset = true;
    } catch {
      taskset = false;
      process.stderr.write('bench: taskset is not available; --pin is ignored\n');
    }
  }
  return taskset;
}

/** Keeps the last `max` characters of a stream, for error messages about a child that died. */
export function tail(stream: NodeJS.ReadableStream | null, max = 4_000): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    text = (text + chunk).slice(-max);
  });
  return () => text.trim();
}

/** Asks a child to stop, then insists. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
