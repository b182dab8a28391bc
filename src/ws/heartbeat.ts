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

  constructor(private readonly intervalMs: number, private readonly timeoutMs: number) {
    // Tick often enough to act within a second of a deadline (or faster for tiny test values).
    const tick = Math.max(5, Math.min(intervalMs, timeoutMs, 1_000) / 2);
    this.timer = setInterval(() => this.beat(), tick);
    this.timer.unref();
  }

  watch(ws: WebSocket): void {
    const now = Date.now();
    const beat: Beat = { lastPing: now, lastPong: now };
    this.sockets.set(ws, beat);
    ws.on('pong', () => (beat.lastPong = Date.now()));
    ws.once('close', () => this.sockets.delete(ws));
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
