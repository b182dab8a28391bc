// CPU accounting from /proc (Linux): how much of a core the server and the load generator used during
// a phase, and how much the rest of the machine took meanwhile. A server near 1.0 core is the
// bottleneck; a load generator near 1.0 means the figure says more about the clients than the server;
// other processes using CPU mean the figures are noisy (2 cores shared with, say, a test suite).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU seconds of `pid` so far, or undefined off Linux. */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces), starting at field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks(); // utime, stime: fields 14 and 15
  } catch {
    return undefined;
  }
}

/** Processes whose parent is `pid` (scans /proc: the kernel's per-task children list is not always built in); [] off Linux. */
export function childPids(pid: number): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((name) => {
        try {
          const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid; // field 4: ppid
        } catch {
          return false; // exited while we looked
        }
      })
      .map(Number);
  } catch {
    return [];
  }
}

/** Busy CPU seconds of the whole machine so far (all cores; idle and iowait excluded). */
export function machineBusySeconds(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + (steal || 0)) / clockTicks();
  } catch {
    return undefined;
  }
}

/** Write-type system calls (write, writev, sendmsg...) `pid` made so far (/proc/<pid>/io syscw). */
export function processWriteCalls(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /^syscw:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export interface CpuUse {
  /** Cores (1.0 = one core busy for the whole window). */
  server: number;
  load: number;
  /** Services the scenario itself runs (Redis, the Kafka broker); 0 when there are none. */
  service: number;
  /** Everything else on the machine, including the kernel's softirq work not charged to a process. */
  other: number;
  /** Server CPU seconds over the window, for cost per delivery. */
  serverSeconds: number;
  /** Write system calls the server made over the window; undefined where /proc/<pid>/io is unreadable. */
  serverWrites: number | undefined;
}

/** The sum of `read` over `pids`; undefined when any is unreadable. */
const sumOver = (pids: readonly (number | undefined)[], read: (pid: number | undefined) => number | undefined): number | undefined => {
  let total = 0;
  for (const pid of pids) {
    const s = read(pid);
    if (s === undefined) return undefined;
    total += s;
  }
  return total;
};
const sumCpu = (pids: readonly (number | undefined)[]): number | undefined => sumOver(pids, processCpuSeconds);

/** /proc counts in clock ticks (10 ms): shorter windows would report quantization, not CPU use. */
const MIN_WINDOW_SECONDS = 0.5;

/** Measures a window between `new CpuWindow(...)` and `end()`; undefined when too short to mean anything. */
export class CpuWindow {
  private readonly start: { at: number; server?: number; load?: number; service?: number; machine?: number; writes?: number };

  /**
   * `serverPids`: the server's processes (one, or a wrapper and the server it runs, e.g. Centrifugo);
   * `servicePids`: processes of services the scenario runs (Redis, Kafka), reported apart from `other`.
   */
  constructor(
    private readonly serverPids: readonly (number | undefined)[],
    private readonly loadPid: number | undefined,
    private readonly servicePids: readonly number[] = [],
  ) {
    this.start = {
      at: performance.now(),
      server: sumCpu(serverPids),
      load: processCpuSeconds(loadPid),
      service: sumCpu(servicePids),
      machine: machineBusySeconds(),
      writes: sumOver(serverPids, processWriteCalls),
    };
  }

  end(): CpuUse | undefined {
    const seconds = (performance.now() - this.start.at) / 1000;
    const server = sumCpu(this.serverPids);
    const load = processCpuSeconds(this.loadPid);
    const service = sumCpu(this.servicePids);
    const machine = machineBusySeconds();
    const s = this.start;
    if (server === undefined || load === undefined || machine === undefined) return undefined;
    if (s.server === undefined || s.load === undefined || s.machine === undefined || seconds < MIN_WINDOW_SECONDS) return undefined;
    const serverSeconds = server - s.server;
    const loadSeconds = load - s.load;
    const serviceSeconds = service === undefined || s.service === undefined ? 0 : service - s.service;
    const other = Math.max(0, machine - s.machine - serverSeconds - loadSeconds - serviceSeconds);
    const writes = sumOver(this.serverPids, processWriteCalls);
    const serverWrites = writes === undefined || s.writes === undefined ? undefined : writes - s.writes;
    return { server: serverSeconds / seconds, load: loadSeconds / seconds, service: serviceSeconds / seconds, other: other / seconds, serverSeconds, serverWrites };
  }
}

/** Cores the whole machine keeps busy over `ms` (this process is idle meanwhile); undefined off Linux. */
export async function machineBusyCores(ms: number): Promise<number | undefined> {
  const before = machineBusySeconds();
  const at = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = machineBusySeconds();
  if (before === undefined || after === undefined) return undefined;
  return (after - before) / ((performance.now() - at) / 1000);
}
