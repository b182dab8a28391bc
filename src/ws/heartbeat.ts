// Pings every socket each `intervalMs` and drops one that has not answered for `timeoutMs`
// (the pizza original: ping every 27 s, drop a socket silent for 30 s).
import type WebSocket from 'ws';

export class Heartbeat {
  /**
   * Each socket's last sign of life (connect or pong), in whole ms of `performance.now()`. One small
   * integer per connection, no object: idle connections are what a gateway holds most of.
   */
  private readonly lastPong = new Map<WebSocket, number>();
  private readonly timer: NodeJS.Timeout;
  private nextRound: number;
  // One 'pong' listener for every socket (an EventEmitter calls it with the socket as `this`): no
  // closure per connection.
  private readonly onPong: (this: WebSocket) => void;

  constructor(private readonly intervalMs: number, private readonly timeoutMs: number) {
    // Tick often enough to act within a second of a deadline (or faster for tiny test values).
    const tick = Math.max(5, Math.min(intervalMs, timeoutMs, 1_000) / 2);
    this.nextRound = now() + intervalMs;
    this.timer = setInterval(() => this.beat(), tick);
    this.timer.unref();
    const lastPong = this.lastPong;
    this.onPong = function (this: WebSocket) {
      if (lastPong.has(this)) lastPong.set(this, now());
    };
  }

  watch(ws: WebSocket): void {
    this.lastPong.set(ws, now());
    ws.on('pong', this.onPong);
  }

  /** The owner calls it from the socket's one 'close' listener (see SocketGroups.remove). */
  forget(ws: WebSocket): void {
    this.lastPong.delete(ws);
  }

  /** Every socket watched now (an owner that does not let ws track its clients closes these on stop). */
  sockets(): IterableIterator<WebSocket> {
    return this.lastPong.keys();
  }

  private beat(): void {
    const t = now();
    // Pings go out in rounds shared by all sockets, so a socket needs no ping time of its own.
    const ping = t >= this.nextRound;
    if (ping) this.nextRound = t + this.intervalMs;
    let overdue: WebSocket[] | undefined;
    for (const [ws, last] of this.lastPong) {
      if (t - last > this.timeoutMs) (overdue ??= []).push(ws);
      else if (ping) ws.ping();
    }
    // Timers run before the loop reads sockets: after a long turn (a big fan-out) a pong may be
    // waiting unread. Judge again once the loop has read them, so a starved server does not drop
    // clients that answered.
    if (overdue) setImmediate(() => this.drop(overdue));
  }

  private drop(overdue: WebSocket[]): void {
    const t = now();
    for (const ws of overdue) {
      const last = this.lastPong.get(ws);
      if (last === undefined || t - last <= this.timeoutMs) continue;
      this.lastPong.delete(ws);
      ws.terminate();
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

// The global `performance` (not node:perf_hooks' binding): the clock Jest's fake timers replace.
const now = (): number => Math.floor(performance.now());
