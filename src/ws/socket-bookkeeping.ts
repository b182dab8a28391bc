// What every raw WebSocket of an API gets when it opens and gives back when it
// closes, written once: counted in `connectionsOpen`, a listener table shaped for the events it will
// have, one shared 'close' listener for all its bookkeeping (heartbeat, groups, the gauge, the
// connection limits) and one shared 'error' listener (counted in `bad_input_total`, then the socket
// is dropped). Shared listeners are called with the socket as `this`: no closure per connection,
// and a single 'close' listener spares each socket a listener array.
import type WebSocket from 'ws';
import type { ApiName } from '../../generated';
import type { ConnectionLimits } from '../limits/connection-limits';
import type { Metrics } from '../metrics';
import type { Heartbeat } from './heartbeat';
import { shapeListeners } from './listener-table';
import type { SocketGroups } from './socket-groups';

/** ws's error code for a frame over `maxPayload` (closed with 1009); its other codes are protocol errors (1002, 1007). */
const OVERSIZE = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';

export class SocketBookkeeping {
  private readonly onClose: (this: WebSocket) => void;
  private readonly onError: (this: WebSocket, err: Error & { code?: string }) => void;
  private readonly events: readonly string[];

  /** `events`: what the API itself listens to on top of close, error and the heartbeat's pong. */
  constructor(
    private readonly api: ApiName,
    private readonly metrics: Metrics,
    connections: ConnectionLimits,
    heartbeat: Heartbeat,
    groups: SocketGroups,
    events: readonly string[] = [],
  ) {
    this.events = ['close', 'error', 'pong', ...events];
    this.onClose = function (this: WebSocket) {
      metrics.connectionsOpen.dec({ api });
      connections.release(this);
      heartbeat.forget(this);
      groups.remove(this);
    };
    // ws emits 'error' for a frame that breaks the protocol or the size limit, having already sent
    // the close frame the protocol wants (1009 oversize, 1002 bad frame); the socket is dropped.
    this.onError = function (this: WebSocket, err) {
      metrics.badInputTotal.inc({ api, kind: err.code === OVERSIZE ? 'oversize_frame' : 'protocol_error' });
      this.terminate();
    };
  }

  /** Call first thing on 'connection', before any other listener is added. */
  opened(ws: WebSocket): void {
    this.metrics.connectionsOpen.inc({ api: this.api });
    shapeListeners(ws, this.events);
    ws.on('close', this.onClose); // emitted once
    ws.on('error', this.onError);
  }
}
