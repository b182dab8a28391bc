// One budget of queued bytes per raw WebSocket (games, pizza). `bufferedAmount` is everything written
// to the socket that the kernel has not taken yet: broadcasts, replies, errors and ws' own control
// frames alike, so checking it after every write the API makes holds all of them to one limit. A
// socket over it is a consumer that does not read: it is closed (1013) rather than buffered for
// without bound. (Pongs to a client's pings are bounded by ws itself: it terminates a socket with
// 60 pongs unsent, its `maxPendingAutoPongs`.)
import WebSocket from 'ws';

export const CLOSE_TRY_AGAIN_LATER = 1013;
const TERMINATE_AFTER_CLOSE_MS = 1_000;

export class SendBudget {
  constructor(
    readonly maxBufferedBytes: number,
    private readonly onSlowConsumer: (ws: WebSocket) => void,
  ) {}

  /**
   * Call after writing to `ws`; true when it was over budget and is being cut off. Cheap: one getter
   * and a comparison while the socket keeps up.
   */
  check(ws: WebSocket): boolean {
    if (ws.bufferedAmount <= this.maxBufferedBytes) return false;
    this.cutOff(ws);
    return true;
  }

  private cutOff(ws: WebSocket): void {
    if (ws.readyState !== WebSocket.OPEN) return; // already cut off, or closing anyway
    this.onSlowConsumer(ws);
    ws.close(CLOSE_TRY_AGAIN_LATER, 'Slow consumer');
    terminateUnlessDraining(ws, ws.bufferedAmount);
  }
}

/**
 * The close frame waits behind the unread backlog: a client that reads it gets the 1013 (and knows to
 * come back later), so wait while the backlog shrinks; one that has not read for a second is
 * terminated rather than waited for.
 */
function terminateUnlessDraining(ws: WebSocket, backlog: number): void {
  setTimeout(() => {
    if (ws.readyState === WebSocket.CLOSED) return;
    const now = ws.bufferedAmount;
    if (now < backlog) terminateUnlessDraining(ws, now);
    else ws.terminate();
  }, TERMINATE_AFTER_CLOSE_MS).unref();
}
