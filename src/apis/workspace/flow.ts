// Flow control for socket.io connections: a consumer that does not read must not make the gateway
// buffer without bound. What one engine.io connection holds for its client is
//   - packets queued in the engine socket's `writeBuffer` while the transport is not writable
//     (a WebSocket still busy with the previous batch, a long-polling client that has not polled);
//   - bytes handed to the `ws` socket but not yet taken by the kernel (`bufferedAmount`).
// Nothing is checked per packet or per recipient: an engine.io `packetCreate` listener, or a lookup
// for every recipient of every broadcast, costs each delivery more than the check is worth. Instead
// FlowControl sweeps every connection once a set number of bytes (1/16 of the limit) has been
// broadcast since the last sweep: a connection's buffer can only have grown by what was broadcast
// since, so none goes further over the limit than that unnoticed. What a client's own packets make
// the server write (replies, errors, socket.io's answers) is checked on that connection at each
// packet it sends (index.ts), so it is at most one answer late. engine.io swaps in a new `writeBuffer` array on each flush, so the
// bytes of the current one are counted incrementally: only packets added since the last check are
// measured. When the sum exceeds the limit the connection is cut off: buffers discarded, the raw
// WebSocket terminated at once rather than after a closing handshake the peer would never read.

interface EnginePacket {
  data?: unknown;
}

/** The parts of an engine.io Socket this module uses (structural, so tests can pass a fake). */
export interface EngineConnection {
  readonly writeBuffer: readonly EnginePacket[];
  readonly transport?: { readonly socket?: { readonly bufferedAmount?: number; terminate?(): void } } | null;
  /** engine.io: `discard` drops the write buffer instead of waiting for it to drain. */
  close(discard?: boolean): unknown;
}

/**
 * A broadcast puts the same encoded string into every recipient's write buffer: its byte length is
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
  /** The write buffer counted so far, how many of its packets, and their bytes. */
  private counted: readonly EnginePacket[] | undefined;
  private countedPackets = 0;
  private countedBytes = 0;
  private tripped = false;

  /**
   * `onOverflow` is called at most once, with the buffered byte count that crossed `limit` and the
   * connection (so one function can serve every connection).
   */
  constructor(
    private readonly conn: EngineConnection,
    private readonly limit: number,
    private readonly onOverflow: (bufferedBytes: number, conn: EngineConnection) => void,
  ) {}

  /** Bytes this connection holds for its client right now. */
  bufferedBytes(): number {
    const buffer = this.conn.writeBuffer;
    if (buffer !== this.counted || buffer.length < this.countedPackets) {
      this.counted = buffer; // flushed since: a new array
      this.countedPackets = 0;
      this.countedBytes = 0;
    }
    for (; this.countedPackets < buffer.length; this.countedPackets++) this.countedBytes += packetBytes(buffer[this.countedPackets].data);
    const transportBytes = this.conn.transport?.socket?.bufferedAmount;
    return this.countedBytes + (typeof transportBytes === 'number' ? transportBytes : 0);
  }

  /** Call after writing to the connection. */
  check(): void {
    if (this.tripped) return;
    const bytes = this.bufferedBytes();
    if (bytes <= this.limit) return;
    this.tripped = true;
    // Not inside the broadcast that is writing to this socket: cut off on the next tick.
    process.nextTick(() => this.onOverflow(bytes, this.conn));
  }
}

/** The watches of one node's connections, swept as broadcasts add up (see the top of this file). */
export class FlowControl {
  private readonly watches = new Map<EngineConnection, BufferWatch>();
  private readonly sweepEvery: number;
  private unswept = 0;

  /** `onOverflow` as for BufferWatch, for every connection watched. */
  constructor(
    private readonly limit: number,
    private readonly onOverflow: (bufferedBytes: number, conn: EngineConnection) => void,
  ) {
    this.sweepEvery = Math.max(1, Math.floor(limit / 16));
  }

  watch(conn: EngineConnection): void {
    this.watches.set(conn, new BufferWatch(conn, this.limit, this.onOverflow));
  }

  forget(conn: EngineConnection): void {
    this.watches.delete(conn);
  }

  /** Checks one connection now (after it sent a packet: what it makes the server write counts too). */
  check(conn: EngineConnection): void {
    this.watches.get(conn)?.check();
  }

  /** Call after each broadcast, with the size of its frame. */
  broadcast(frameBytes: number): void {
    this.unswept += frameBytes;
    if (this.unswept < this.sweepEvery) return;
    this.unswept = 0;
    for (const watch of this.watches.values()) watch.check();
  }
}

/** Drops what the connection buffered and closes it now (the client sees a transport close). */
export function cutOff(conn: EngineConnection): void {
  const raw = conn.transport?.socket;
  conn.close(true);
  raw?.terminate?.();
}
