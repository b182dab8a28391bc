// Fewer writes per delivery on raw WebSockets. Each frame ws writes is a `writev` of its own (a
// system call and a wake-up of the client), so a socket sent several frames in one turn of the
// event loop (a batch publish, a Kafka batch, replies and broadcasts together) paid one write per
// frame. The first frame corks the socket's TCP stream; a setImmediate uncorks it, and it sends its
// frames in one `writev`.
//
// Why setImmediate and not a microtask: the bus hands a batch of envelopes to async handlers, so a
// microtask flush would uncork between envelopes and save nothing; setImmediate runs right after the
// I/O callbacks of this turn, before the loop waits for more I/O. A bus drain that itself runs in a
// setImmediate callback is flushed in the next turn's check phase, one loop iteration later that
// does not wait for I/O (immediates are pending).
//
// Sockets are uncorked FLUSH_SLICE at a time, one slice per loop iteration, and the loop polls
// for I/O between slices (a write to a loopback socket costs several µs of kernel time, so 5,000
// sockets kept the loop from reading for tens of ms). Publishes read meanwhile add their frames to
// the sockets still corked, so under load a write carries every event that arrived before its
// socket's slice, as Centrifugo's per-client writers do. Sockets corked again during a round are
// flushed in the next round, after the current one. Nothing waits on a timer or an idle loop: with
// no flush under way, a fan-out to at most FLUSH_SLICE sockets goes out whole in its turn.
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

/** Sockets uncorked per loop iteration (a few ms of writes on loopback). */
export const FLUSH_SLICE = 256;

/**
 * Corked sockets being flushed, from `next` on, and those corked since this round began. A flush is
 * queued exactly while either holds a socket.
 */
let flushing: TcpStream[] = [];
let next = 0;
let corked: TcpStream[] = [];

function flushSlice(): void {
  try {
    for (let budget = FLUSH_SLICE; budget > 0; budget--) {
      if (next === flushing.length) {
        if (corked.length === 0) break;
        flushing = corked; // the sockets corked during the round just flushed: the next round
        corked = [];
        next = 0;
      }
      flushing[next++].uncork();
    }
  } finally {
    // A setImmediate queued from the check phase runs after the next poll for I/O.
    if (next < flushing.length || corked.length) setImmediate(flushSlice);
    else {
      flushing = []; // no socket kept past its flush, and the next cork queues a flush
      next = 0;
    }
  }
}

/** Call before writing to `ws`: its writes until its slice of the flush go out in one system call. */
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
  if (corked.push(stream) === 1 && flushing.length === 0) setImmediate(flushSlice);
}
