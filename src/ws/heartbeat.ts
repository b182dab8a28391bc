// Pings every socket each `intervalMs` and drops one that has not answered for `timeoutMs`
// (the pizza original: ping every 27 s, drop a socket silent for 30 s).
import type WebSocket from 'ws';

interface Beat {
  lastPing: number;
  lastPong: number;
}

export class Heartbeat {
  private readonly sockets = new Map<WebSocket, Beat>();
  private readonly timer: NodeJS.Timeout;
  // One listener of each kind for every socket (an EventEmitter calls it with the socket as `this`):
  // no closure, and no `once` wrapper, per connection. 'close' is emitted once anyway.
  private readonly onPong: (this: WebSocket) => void;
  private readonly onClose: (this: WebSocket) => void;

  constructor(private readonly intervalMs: number, private readonly timeoutMs: number) {
    // Tick often enough to act within a second of a deadline (or faster for tiny test values).
    const tick = Math.max(5, Math.min(intervalMs, timeoutMs, 1_000) / 2);
    this.timer = setInterval(() => this.beat(), tick);
    this.timer.unref();
    const sockets = this.sockets;
    this.onPong = function (this: WebSocket) {
      const beat = sockets.get(this);
      if (beat) beat.lastPong = Date.now();
    };
    this.onClose = function (this: WebSocket) {
      sockets.delete(this);
    };
  }

  watch(ws: WebSocket): void {
    const now = Date.now();
    this.sockets.set(ws, { lastPing: now, lastPong: now });
    ws.on('pong', this.onPong);
    ws.on('close', this.onClose);
  }

  private beat(): void {
    const now = Date.now();
    for (const [ws, beat] of this.sockets) {
      if (now - beat.lastPong > this.timeoutMs) {
        this.sockets.delete(ws);
        ws.terminate();
      } else if (now - beat.lastPing >= this.intervalMs) {
        beat.lastPing = now;
        ws.ping();
      }
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
