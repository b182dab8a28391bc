// Flow control of the workspace API: the buffered-bytes watch and cut-off in isolation (a fake
// engine.io connection), then end to end with a socket.io client that stops reading.
import { randomUUID } from 'node:crypto';
import { BufferWatch, cutOff, FlowControl, packetBytes, type EngineConnection } from '../src/apis/workspace/flow';
import { startGateway, type TestGateway } from './helpers/gateway';
import { Client, member, metricValue, until } from './helpers/workspace-client';

/** An engine.io connection as BufferWatch sees it: a write buffer that a flush replaces, a transport. */
class FakeConn {
  writeBuffer: Array<{ type: string; data?: unknown }> = [];
  transport: { socket?: { bufferedAmount: number; terminate: jest.Mock } } = { socket: { bufferedAmount: 0, terminate: jest.fn() } };
  close = jest.fn();
  packet(data: unknown): void {
    this.writeBuffer.push({ type: 'message', data });
  }
  flush(): void {
    this.writeBuffer = []; // engine.io swaps in a new array
  }
}

const nextTick = () => new Promise((r) => process.nextTick(r));
const watchOf = (conn: FakeConn, limit: number, overflow = jest.fn()) => new BufferWatch(conn as unknown as EngineConnection, limit, overflow);

describe('BufferWatch (fake connection)', () => {
  it('counts packets queued since the last flush plus what the transport holds', async () => {
    const conn = new FakeConn();
    const overflow = jest.fn();
    const watch = watchOf(conn, 100, overflow);
    conn.packet('a'.repeat(40));
    expect(watch.bufferedBytes()).toBe(40);
    conn.packet('b'.repeat(40)); // counted incrementally: only the new packet is measured
    expect(watch.bufferedBytes()).toBe(80);
    conn.flush();
    expect(watch.bufferedBytes()).toBe(0);
    conn.packet('d'.repeat(10)); // a new buffer after the flush
    expect(watch.bufferedBytes()).toBe(10);
    conn.flush();
    conn.transport.socket!.bufferedAmount = 70;
    expect(watch.bufferedBytes()).toBe(70);
    conn.packet('c'.repeat(30)); // exactly the limit: still fine
    watch.check();
    await nextTick();
    expect(overflow).not.toHaveBeenCalled();
  });

  it('calls onOverflow once, on the next tick, when a check finds the limit crossed', async () => {
    const conn = new FakeConn();
    const overflow = jest.fn();
    const watch = watchOf(conn, 100, overflow);
    conn.transport.socket!.bufferedAmount = 90;
    conn.packet('x'.repeat(11));
    watch.check();
    expect(overflow).not.toHaveBeenCalled(); // not inside the broadcast writing the packet
    await nextTick();
    expect(overflow).toHaveBeenCalledTimes(1);
    expect(overflow).toHaveBeenCalledWith(101, conn);
    conn.packet('y'.repeat(1000));
    watch.check();
    await nextTick();
    expect(overflow).toHaveBeenCalledTimes(1);
  });

  it('piles up in the write buffer while nothing is flushed (long polling, or a busy WebSocket)', async () => {
    const conn = new FakeConn();
    conn.transport = {}; // polling: no raw socket
    const overflow = jest.fn();
    const watch = watchOf(conn, 1000, overflow);
    for (let i = 0; i < 10; i++) {
      conn.packet('z'.repeat(100));
      watch.check();
    }
    await nextTick();
    expect(overflow).not.toHaveBeenCalled();
    conn.packet('z');
    watch.check();
    await nextTick();
    expect(overflow).toHaveBeenCalledWith(1001, conn);
  });

  it('counts bytes, not characters, and binary packets', () => {
    expect(packetBytes('é'.repeat(10))).toBe(20);
    expect(packetBytes(Buffer.alloc(7))).toBe(7);
    expect(packetBytes(new ArrayBuffer(5))).toBe(5);
    expect(packetBytes(undefined)).toBe(0); // ping/pong packets may carry no data
  });

  it('FlowControl sweeps every connection once 1/16 of the limit has been broadcast since the last sweep', async () => {
    const overflow = jest.fn();
    const flow = new FlowControl(1600, overflow); // sweeps every 100 broadcast bytes
    const slow = new FakeConn();
    const other = new FakeConn();
    flow.watch(slow as unknown as EngineConnection);
    flow.watch(other as unknown as EngineConnection);
    slow.transport.socket!.bufferedAmount = 1601;
    flow.broadcast(60);
    await nextTick();
    expect(overflow).not.toHaveBeenCalled(); // 60 bytes broadcast: no sweep yet
    flow.broadcast(40);
    await nextTick();
    expect(overflow).toHaveBeenCalledWith(1601, slow);
    expect(overflow).toHaveBeenCalledTimes(1);
    flow.forget(slow as unknown as EngineConnection);
    slow.transport.socket!.bufferedAmount = 10_000;
    flow.broadcast(500);
    await nextTick();
    expect(overflow).toHaveBeenCalledTimes(1);
  });

  it('FlowControl.check checks one connection at once, and a forgotten one not at all', async () => {
    const overflow = jest.fn();
    const flow = new FlowControl(100, overflow);
    const conn = new FakeConn();
    flow.watch(conn as unknown as EngineConnection);
    conn.packet('x'.repeat(101));
    flow.check(conn as unknown as EngineConnection);
    await nextTick();
    expect(overflow).toHaveBeenCalledWith(101, conn);
    const gone = new FakeConn();
    gone.packet('x'.repeat(101));
    flow.check(gone as unknown as EngineConnection); // never watched (or forgotten): nothing to do
    await nextTick();
    expect(overflow).toHaveBeenCalledTimes(1);
  });

  it('cutOff discards the buffer and terminates the raw WebSocket', () => {
    const conn = new FakeConn();
    const raw = conn.transport.socket!;
    cutOff(conn as unknown as EngineConnection);
    expect(conn.close).toHaveBeenCalledWith(true);
    expect(raw.terminate).toHaveBeenCalledTimes(1);
    const polling = new FakeConn();
    polling.transport = {};
    cutOff(polling as unknown as EngineConnection);
    expect(polling.close).toHaveBeenCalledWith(true);
  });
});

describe('a client that stops reading is cut off (real gateway)', () => {
  const W = 'ws-flow';
  const LIMIT = 256 * 1024;
  let gw: TestGateway;
  const clients: Client[] = [];
  beforeAll(async () => {
    gw = await startGateway({ WS_MAX_BUFFERED_BYTES: String(LIMIT) });
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await gw.stop();
  });

  it('the stalled socket is disconnected and counted; a reading socket gets every event', async () => {
    const healthy = await member(gw, 'reader', W);
    const stalled = await member(gw, 'sleeper', W);
    clients.push(healthy, stalled);
    // Stop reading: the client's TCP receive buffer fills, then the server's send buffer, then the
    // engine.io write buffer.
    const rawClientWs = (stalled.socket.io.engine as any).transport.ws;
    rawClientWs.pause();

    const { metrics, bus } = gw.gateway.context;
    const closed = () => metricValue(metrics.slowConsumersClosedTotal, { api: 'workspace' });
    const avatarFileId = 'a'.repeat(30_000);
    let sent = 0;
    // Bounded: ~60 MB would be far beyond any kernel buffering of a loopback connection.
    while ((await closed()) === 0 && sent < 2000) {
      sent += 1;
      const user = {
        id: randomUUID(), name: `n${sent}`, avatarFileId, email: 'u@example.com', isEmailVerified: true,
        createdAt: '2021-03-01T09:15:00Z', updatedAt: '2021-03-01T09:15:00Z',
      };
      await bus.publish('workspace', { id: randomUUID(), message: 'user-joined', to: { workspaceId: W }, data: { user } });
      // Paced by the reader, so only the stalled socket can fall behind.
      await healthy.waitFor('user-joined', (d) => d.user.name === `n${sent}`);
    }
    expect(await closed()).toBe(1);
    expect(sent).toBeLessThan(2000);
    expect(healthy.socket.connected).toBe(true);
    expect(healthy.of('user-joined')).toHaveLength(sent);

    await until(async () => (await metricValue(metrics.connectionsOpen, { api: 'workspace' })) === 1, 'the stalled socket gone server-side');
    rawClientWs.resume();
    expect(await stalled.waitForDisconnect()).toBe('transport close');
    expect(stalled.of('user-joined').length).toBeLessThan(sent);
    // The reader heard the sleeper go offline.
    await healthy.waitFor('online-status-updated', (d) => d.userId === 'sleeper' && d.onlineStatus === 'offline');
  });
});
