// One write per socket per turn of the event loop. Each frame ws writes is a `writev` of its own (a
// system call and a wake-up of the client), so a socket sent several frames in one turn (a batch
// publish, a Kafka batch, replies and broadcasts together) paid one write per frame. The first frame
// of a turn corks the socket's TCP stream; one setImmediate per turn uncorks every socket corked in
// it, and each sends its frames in one `writev`.
//
// Why setImmediate and not a microtask: the bus hands a batch of envelopes to async handlers, so a
// microtask flush would uncork between envelopes and save nothing; setImmediate runs right after the
// I/O callbacks of this turn, before the loop waits for more I/O, so nothing is held past the turn.
// A bus drain that itself runs in a setImmediate callback is flushed in the next turn's check phase,
// one loop iteration later that does not wait for I/O (immediates are pending).
//
// A socket's corked bytes are flushed once they reach the stream's high-water mark (16 KiB): a write
// that large gains nothing from waiting, and a long turn streams out instead of piling up. Corked
// bytes count in `bufferedAmount`, so the send budget (send-budget.ts) sees them at once, and a burst
// within one turn cannot reach the budget merely because it was corked.
import type WebSocket from 'ws';

interface TcpStream {
  readonly writableCorked: number;
  readonly writableLength: number;
  readonly writableHighWaterMark: number;
  cork(): void;
  uncork(): void;
}

let corked: TcpStream[] = [];

function uncorkAll(): void {
  const streams = corked;
  corked = [];
  for (const stream of streams) stream.uncork();
}

/** Call before writing to `ws`: its writes until the end of this turn go out in one system call. */
export function corkForTurn(ws: WebSocket): void {
  const stream = (ws as unknown as { _socket?: TcpStream | null })._socket;
  if (!stream) return;
  // Corked already: by this turn's first frame, or by a caller up the stack that uncorks it itself.
  if (stream.writableCorked !== 0) {
    if (stream.writableLength >= stream.writableHighWaterMark) {
      stream.uncork(); // what is queued goes now; the rest of the turn stays corked
      stream.cork();
    }
    return;
  }
  stream.cork();
  if (corked.push(stream) === 1) setImmediate(uncorkAll);
}
