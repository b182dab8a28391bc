// How long a raw WebSocket (games, pizza) may stay open without authenticating (WS_AUTH_TIMEOUT_MS):
// one timer per socket from its upgrade, cleared once it is authenticated; at the deadline an open
// socket is closed with 1008 "Not authenticated".
import WebSocket from 'ws';

export const CLOSE_POLICY_VIOLATION = 1008;
export const NOT_AUTHENTICATED = 'Not authenticated';

export class AuthDeadline {
  /** One function for every socket's timer (the socket is its argument): no closure per socket. */
  private readonly expire: (ws: WebSocket) => void;

  constructor(
    private readonly timeoutMs: number,
    onExpired: () => void,
  ) {
    this.expire = (ws) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      onExpired();
      ws.close(CLOSE_POLICY_VIOLATION, NOT_AUTHENTICATED);
    };
  }

  /** Starts `ws`'s deadline; `clearTimeout` it once the socket is authenticated. */
  start(ws: WebSocket): NodeJS.Timeout {
    return setTimeout(this.expire, this.timeoutMs, ws).unref();
  }
}
