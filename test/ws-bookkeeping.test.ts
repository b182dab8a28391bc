// The per-socket bookkeeping of the raw WebSocket APIs in isolation: group membership and the
// heartbeat's sockets are dropped when the one shared 'close' listener says so (neither adds a
// listener of its own), a dead socket is dropped by the heartbeat, and a pre-shaped listener table
// behaves like EventEmitter's own.
import { EventEmitter } from 'node:events';
import type WebSocket from 'ws';
import { ConnectionLimits } from '../src/limits/connection-limits';
import { AuthDeadline } from '../src/ws/auth-deadline';
import { Metrics } from '../src/metrics';
import { Heartbeat } from '../src/ws/heartbeat';
import { PreparedFrame } from '../src/ws/prepared-frame';
import { SendBudget } from '../src/ws/send-budget';
import { shapeListeners } from '../src/ws/listener-table';
import { SocketBookkeeping } from '../src/ws/socket-bookkeeping';
import { SocketGroups } from '../src/ws/socket-groups';

class FakeSocket extends EventEmitter {
  readyState = 1;
  bufferedAmount = 0;
  pings = 0;
  terminated = false;
  closedWith: number | undefined;
  ping(): void {
    this.pings++;
  }
  terminate(): void {
    this.terminated = true;
  }
  /** What PreparedFrame falls back to for a socket without ws' sender: queue the bytes. */
  send(text: string): void {
    this.bufferedAmount += Buffer.byteLength(text);
  }
  close(code: number): void {
    this.closedWith = code;
    this.readyState = 2;
  }
}
const asWs = (s: FakeSocket) => s as unknown as WebSocket;
const noBudget = () => new SendBudget(1024, () => undefined);

describe('SocketGroups', () => {
  it('remove() leaves every group the socket joined, and empty groups go', () => {
    const groups = new SocketGroups(noBudget());
    const a = new FakeSocket();
    const b = new FakeSocket();
    groups.add('update:1', asWs(a));
    groups.add('join:1', asWs(a));
    groups.add('join:1', asWs(a)); // twice: still one membership
    groups.add('update:1', asWs(b));
    expect(groups.size('update:1')).toBe(2);
    expect(a.listenerCount('close')).toBe(0); // the owner's one listener calls remove()
    groups.remove(asWs(a));
    expect(groups.size('update:1')).toBe(1);
    expect(groups.size('join:1')).toBe(0);
    expect(groups.has('update:1', asWs(a))).toBe(false);
    groups.remove(asWs(a)); // again: nothing to do
    groups.remove(asWs(b));
    expect(groups.size('update:1')).toBe(0);
  });

  it('sizes() lists every group with its members, as they are now', () => {
    const groups = new SocketGroups(noBudget());
    const a = new FakeSocket();
    const b = new FakeSocket();
    groups.add('store:1', asWs(a));
    groups.add('store:1', asWs(b));
    groups.add('store:2', asWs(b));
    expect(new Map(groups.sizes())).toEqual(new Map([['store:1', 2], ['store:2', 1]]));
    groups.remove(asWs(b));
    expect([...groups.sizes()]).toEqual([['store:1', 1]]);
  });

  it('countOf() counts the distinct groups of a socket', () => {
    const groups = new SocketGroups(noBudget());
    const a = new FakeSocket();
    expect(groups.countOf(asWs(a))).toBe(0);
    groups.add('update:1', asWs(a));
    groups.add('update:1', asWs(a));
    expect(groups.countOf(asWs(a))).toBe(1);
    groups.add('join:1', asWs(a));
    groups.add('join:2', asWs(a));
    expect(groups.countOf(asWs(a))).toBe(3);
  });

  it('broadcast() cuts off a member over its send budget once, and it hears nothing more', () => {
    const slow: FakeSocket[] = [];
    const groups = new SocketGroups(new SendBudget(100, (ws) => slow.push(ws as unknown as FakeSocket)));
    const reader = new FakeSocket();
    const stalled = new FakeSocket();
    groups.add('store:1', asWs(reader));
    groups.add('store:1', asWs(stalled));
    const frame = new PreparedFrame(JSON.stringify({ n: 'x'.repeat(60) }));
    expect(groups.broadcast('store:1', frame)).toBe(2);
    reader.bufferedAmount = 0; // the reader's kernel took it
    expect(groups.broadcast('store:1', frame)).toBe(2); // the stalled one passes 100 bytes here
    expect(slow).toEqual([stalled]);
    expect(stalled.closedWith).toBe(1013);
    expect(groups.has('store:1', asWs(stalled))).toBe(false);
    expect(groups.broadcast('store:1', frame)).toBe(1);
  });
});

describe('AuthDeadline', () => {
  it('closes an open socket with 1008 at its deadline, and leaves one whose deadline was cleared', () => {
    jest.useFakeTimers();
    try {
      let expired = 0;
      const deadline = new AuthDeadline(5, () => expired++);
      const slow = new FakeSocket();
      const authenticated = new FakeSocket();
      deadline.start(asWs(slow));
      clearTimeout(deadline.start(asWs(authenticated)));
      jest.advanceTimersByTime(4);
      expect(slow.closedWith).toBeUndefined();
      jest.advanceTimersByTime(1);
      expect(slow.closedWith).toBe(1008);
      expect(authenticated.closedWith).toBeUndefined();
      expect(expired).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('SendBudget', () => {
  it('closes a socket over the limit with 1013 once, counts it, and leaves one within it alone', () => {
    const cut: unknown[] = [];
    const budget = new SendBudget(10, (ws) => cut.push(ws));
    const socket = new FakeSocket();
    socket.bufferedAmount = 10;
    expect(budget.check(asWs(socket))).toBe(false);
    socket.bufferedAmount = 11;
    expect(budget.check(asWs(socket))).toBe(true);
    expect(budget.check(asWs(socket))).toBe(true); // still over, already closing: not counted again
    expect(cut).toEqual([socket]);
    expect(socket.closedWith).toBe(1013);
  });

  describe('after the close', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('waits while the client reads its backlog (it gets the 1013), and terminates one that stopped reading for a second', () => {
      const budget = new SendBudget(10, () => undefined);
      const reading = new FakeSocket();
      const stuck = new FakeSocket();
      for (const s of [reading, stuck]) {
        s.bufferedAmount = 1_000;
        budget.check(asWs(s));
      }
      jest.advanceTimersByTime(900);
      reading.bufferedAmount = 400; // read some
      jest.advanceTimersByTime(200); // a second after the close
      expect(stuck.terminated).toBe(true);
      expect(reading.terminated).toBe(false);
      reading.bufferedAmount = 0; // read the rest; the close frame is in the kernel now
      jest.advanceTimersByTime(1_000);
      expect(reading.terminated).toBe(false);
      jest.advanceTimersByTime(1_000); // no handshake a second after the last progress
      expect(reading.terminated).toBe(true);
    });
  });
});

describe('Heartbeat', () => {
  // Fake timers drive the heartbeat's interval and its performance.now() clock together, so a busy
  // machine cannot starve the answering socket's pongs into looking silent.
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('pings in rounds, drops a silent socket, keeps one that answers, and forgets on request', () => {
    const heartbeat = new Heartbeat(20, 60);
    try {
      const answering = new FakeSocket();
      const silent = new FakeSocket();
      const forgotten = new FakeSocket();
      for (const s of [answering, silent, forgotten]) heartbeat.watch(asWs(s));
      expect(answering.listenerCount('close')).toBe(0);
      heartbeat.forget(asWs(forgotten));
      const answer = setInterval(() => answering.emit('pong'), 10);
      jest.advanceTimersByTime(50); // two rounds (at 20 and 40 ms), nobody past the 60 ms timeout
      expect(answering.pings).toBe(2);
      expect(silent.pings).toBe(2);
      expect(silent.terminated).toBe(false);
      jest.advanceTimersByTime(150);
      clearInterval(answer);
      expect(answering.pings).toBeGreaterThan(2);
      expect(answering.terminated).toBe(false);
      expect(silent.terminated).toBe(true);
      expect(forgotten.pings).toBe(0);
      expect(forgotten.terminated).toBe(false);
    } finally {
      heartbeat.stop();
    }
  });
});

describe('shapeListeners', () => {
  it('keeps listeners added before, and emits, counts and removes like a plain emitter', () => {
    const emitter = new EventEmitter();
    const calls: string[] = [];
    emitter.on('close', () => calls.push('early close'));
    shapeListeners(emitter, ['close', 'error', 'message', 'pong']);
    emitter.on('message', (m: string) => calls.push(`message ${m}`));
    const pong = () => calls.push('pong');
    emitter.on('pong', pong);
    emitter.on('close', () => calls.push('late close'));

    expect(emitter.listenerCount('close')).toBe(2);
    expect(emitter.listenerCount('error')).toBe(0);
    expect(emitter.emit('pong')).toBe(true);
    expect(emitter.emit('message', 'hi')).toBe(true);
    expect(emitter.emit('unknown')).toBe(false);
    emitter.off('pong', pong);
    expect(emitter.emit('pong')).toBe(false);
    emitter.emit('close');
    expect(calls).toEqual(['pong', 'message hi', 'early close', 'late close']);
    // No 'error' listener: an emitted error still throws, as on any emitter.
    expect(() => emitter.emit('error', new Error('boom'))).toThrow('boom');
  });
});

describe('SocketBookkeeping', () => {
  it('counts a socket in, gives it one close and one error listener, and on close forgets it everywhere', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const open = async () => (await metrics.connectionsOpen.get()).values.find((v) => v.labels.api === 'games')?.value ?? 0;
    const heartbeat = new Heartbeat(60_000, 60_000);
    try {
      const groups = new SocketGroups(noBudget());
      const connections = new ConnectionLimits({ maxConnections: 10, maxConnectionsPerIp: 10, trustedProxies: [] }, metrics);
      const bookkeeping = new SocketBookkeeping('games', metrics, connections, heartbeat, groups, ['message']);
      const socket = new FakeSocket();
      connections.hold(socket, '192.0.2.1');
      bookkeeping.opened(asWs(socket));
      heartbeat.watch(asWs(socket));
      groups.add('update:1', asWs(socket));
      expect(await open()).toBe(1);
      expect(socket.listenerCount('close')).toBe(1);
      expect(socket.listenerCount('error')).toBe(1);

      socket.emit('error', Object.assign(new Error('bad frame'), { code: 'WS_ERR_INVALID_OPCODE' }));
      expect(socket.terminated).toBe(true);
      const bad = async (kind: string) => (await metrics.badInputTotal.get()).values.find((v) => v.labels.kind === kind && v.labels.api === 'games')?.value;
      expect(await bad('protocol_error')).toBe(1);
      socket.emit('error', Object.assign(new Error('too big'), { code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' }));
      expect(await bad('oversize_frame')).toBe(1);
      socket.emit('close');
      expect(await open()).toBe(0);
      expect(groups.size('update:1')).toBe(0);
      expect([...heartbeat.sockets()]).toEqual([]);
      expect(connections.open).toBe(0);
    } finally {
      heartbeat.stop();
    }
  });
});
