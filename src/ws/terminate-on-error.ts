import type WebSocket from 'ws';

/**
 * The 'error' listener of every server socket (an EventEmitter calls it with the socket as `this`,
 * so no closure is made per connection). ws has already sent the close frame where the protocol
 * wants one (1009 on an oversize frame, 1002 on a bad frame); the socket is dropped.
 */
export function terminateOnError(this: WebSocket): void {
  this.terminate();
}
