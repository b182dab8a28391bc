// One system call per flush instead of one per packet. While a connection's WebSocket is still
// writing, engine.io queues the packets meant for it and later hands the whole queue to the
// transport, which writes each packet as a frame of its own: a `writev` (and a wake-up of the
// client) per packet. Corking the TCP socket for the length of the transport's `send` sends the
// queue in one `writev`. Nothing is held back: the socket is uncorked before `send` returns.

interface TcpSocket {
  cork(): void;
  uncork(): void;
}

/** The parts of an engine.io transport this module uses (structural, so tests can pass a fake). */
export interface EngineTransport {
  readonly name: string;
  /** The `ws` WebSocket of a websocket transport; its `_socket` is the TCP socket. */
  readonly socket?: { readonly _socket?: TcpSocket | null } | null;
  send(packets: unknown[]): void;
}

/** A transport's `send`, corked: shared by every connection (a property, not a closure per socket). */
function sendCorked(this: EngineTransport, packets: unknown[]): void {
  const send = (Object.getPrototypeOf(this) as EngineTransport).send; // engine.io's own
  const tcp = this.socket?._socket;
  if (!tcp) return send.call(this, packets);
  tcp.cork();
  try {
    send.call(this, packets);
  } finally {
    tcp.uncork();
  }
}

/** An engine.io connection, as far as this module is concerned. */
export interface UpgradableConnection {
  readonly transport?: EngineTransport | null;
  once(event: 'upgrade', listener: (this: UpgradableConnection) => void): unknown;
}

function onUpgrade(this: UpgradableConnection): void {
  coalesceWrites(this);
}

/**
 * Makes the connection's WebSocket transport write each flush in one system call. A connection
 * that starts on long polling gets it when it upgrades to a WebSocket.
 */
export function coalesceWrites(conn: UpgradableConnection): void {
  const transport = conn.transport;
  if (!transport) return;
  if (transport.name !== 'websocket') {
    conn.once('upgrade', onUpgrade);
    return;
  }
  transport.send = sendCorked;
}
