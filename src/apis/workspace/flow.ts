// Flow control for socket.io connections: a consumer that does not read must not make the gateway
// buffer without bound. What one engine.io connection holds for its client is
//   - packets queued in the engine socket's `writeBuffer` while the transport is not writable
//     (a WebSocket still busy with the previous batch, a long-polling client that has not polled);
//   - bytes handed to the `ws` socket but not yet taken by the kernel (`bufferedAmount`).
// The first is counted as packets are created (`packetCreate`) and reset when the buffer is handed
// to the transport (`flush`); the second is read from the transport. When their sum exceeds the
// limit the connection is cut off: buffers discarded, the raw WebSocket terminated at once rather
// than after a closing handshake the peer would never read.

/** The parts of an engine.io Socket this module uses (structural, so tests can pass a fake). */
export interface EngineConnection {
  on(event: 'packetCreate', listener: (packet: { data?: unknown }) => void): unknown;
  on(event: 'flush' | 'close', listener: () => void): unknown;
  readonly transport?: { readonly socket?: { readonly bufferedAmount?: number; terminate?(): void } } | null;
  /** engine.io: `discard` drops the write buffer instead of waiting for it to drain. */
  close(discard?: boolean): unknown;
}

/**
 * A broadcast hands the same encoded string to every recipient's `packetCreate`: its byte length is
 * computed once and reused while the next packet is that very string (compared by identity first,
 * so this costs nothing per recipient; the cache holds one string).
 */
let lastString: string | undefined;
let lastStringBytes = 0;

export function packetBytes(data: unknown): number {
  if (typeof data === 'string') {
    if (data !== lastString) {
      lastStringBytes = Buffer.byteLength(data);
      lastString = data;
    }
    return lastStringBytes;
  }
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

export class BufferWatch {
  private pending = 0;
  private tripped = false;

  /** `onOverflow` is called at most once, with the buffered byte count that crossed `limit`. */
  constructor(
    private readonly conn: EngineConnection,
    private readonly limit: number,
    private readonly onOverflow: (bufferedBytes: number) => void,
  ) {
    conn.on('packetCreate', (packet) => {
      this.pending += packetBytes(packet.data);
      this.check();
    });
    conn.on('flush', () => {
      this.pending = 0;
    });
    conn.on('close', () => {
      this.tripped = true; // nothing to watch any more
      this.pending = 0;
    });
  }

  /** Bytes this connection holds for its client right now. */
  bufferedBytes(): number {
    const transportBytes = this.conn.transport?.socket?.bufferedAmount;
    return this.pending + (typeof transportBytes === 'number' ? transportBytes : 0);
  }

  private check(): void {
    if (this.tripped) return;
    const bytes = this.bufferedBytes();
    if (bytes <= this.limit) return;
    this.tripped = true;
    // Not inside the broadcast that is writing to this socket: cut off on the next tick.
    process.nextTick(() => this.onOverflow(bytes));
  }
}

/** Drops what the connection buffered and closes it now (the client sees a transport close). */
export function cutOff(conn: EngineConnection): void {
  const raw = conn.transport?.socket;
  conn.close(true);
  raw?.terminate?.();
}
