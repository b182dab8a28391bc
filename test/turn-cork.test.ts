// Frames a raw WebSocket is sent within one turn of the event loop leave in one system write, and
// nothing waits on a timer. Real sockets on loopback: the server side's TCP stream counts the
// writes it hands to the kernel (`_write`/`_writev`, one system call each). A fan-out to more
// sockets than a slice is flushed a slice per loop iteration (stand-in streams count the uncorks).
import { once } from 'node:events';
import type WebSocket from 'ws';
import { PreparedFrame } from '../src/ws/prepared-frame';
import { SendBudget } from '../src/ws/send-budget';
import { SocketGroups } from '../src/ws/socket-groups';
import { corkForTurn, FLUSH_SLICE } from '../src/ws/turn-cork';
import { loopbackWs } from './helpers/loopback-ws';

interface Pair {
  server: WebSocket;
  client: WebSocket;
  /** Writes the server's TCP stream handed to the kernel so far. */
  writes(): number;
  /** Resolves with the client's first `count` text frames. */
  received(count: number): Promise<string[]>;
}

const loopback = loopbackWs();

async function pair(): Promise<Pair> {
  const { server, client } = await loopback.pair();
  const frames: string[] = [];
  client.on('message', (data) => frames.push(data.toString()));
  const tcp = (server as unknown as { _socket: Record<string, (...args: unknown[]) => unknown> })._socket;
  let writes = 0;
  for (const method of ['_write', '_writev']) {
    const original = tcp[method];
    tcp[method] = function (this: unknown, ...args: unknown[]) {
      writes++;
      return original.apply(this, args);
    };
  }
  return {
    server,
    client,
    writes: () => writes,
    received: async (count) => {
      while (frames.length < count) await once(client, 'message');
      return frames.slice(0, count);
    },
  };
}

const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));

it('writes the frames of one turn in one write, and the client gets them all, in order', async () => {
  const p = await pair();
  for (const text of ['a', 'b', 'c']) new PreparedFrame(text).writeTo(p.server);
  expect(p.writes()).toBe(0); // corked until the turn ends
  await endOfTurn();
  expect(p.writes()).toBe(1);
  expect(await p.received(3)).toEqual(['a', 'b', 'c']);
});

it('coalesces across the awaits of async handlers in one turn (a bus batch), not only in one call stack', async () => {
  const p = await pair();
  const handle = async (text: string) => {
    await Promise.resolve();
    new PreparedFrame(text).writeTo(p.server);
  };
  await Promise.all(['1', '2', '3', '4'].map(handle));
  await endOfTurn();
  expect(p.writes()).toBe(1);
  expect(await p.received(4)).toEqual(['1', '2', '3', '4']);
});

it('holds nothing past the turn: the next turn starts uncorked and its frames go in a write of their own', async () => {
  const p = await pair();
  new PreparedFrame('first').writeTo(p.server);
  await endOfTurn();
  const tcp = (p.server as unknown as { _socket: { writableCorked: number; writableLength: number } })._socket;
  expect(tcp.writableCorked).toBe(0);
  expect(p.writes()).toBe(1);
  // A frame written from a setImmediate callback (the check phase) goes out in the next turn's flush.
  await new Promise<void>((resolve) =>
    setImmediate(() => {
      new PreparedFrame('second').writeTo(p.server);
      resolve();
    }),
  );
  await endOfTurn();
  expect(tcp.writableCorked).toBe(0);
  expect(p.writes()).toBe(2);
  expect(await p.received(2)).toEqual(['first', 'second']);
});

it("puts ws' own sends (a games reply) in the same write as the turn's broadcasts", async () => {
  const p = await pair();
  new PreparedFrame('broadcast').writeTo(p.server);
  corkForTurn(p.server);
  p.server.send('reply');
  await endOfTurn();
  expect(p.writes()).toBe(1);
  expect(await p.received(2)).toEqual(['broadcast', 'reply']);
});

it('counts corked bytes against the send budget at once: a socket over it is cut off in the same turn', async () => {
  const p = await pair();
  let cutOff = 0;
  const groups = new SocketGroups(new SendBudget(1_000, () => cutOff++));
  groups.add('g', p.server);
  groups.broadcast('g', new PreparedFrame('x'.repeat(600)));
  expect(cutOff).toBe(0);
  expect(p.server.bufferedAmount).toBeGreaterThan(600); // the corked frame counts before any write
  groups.broadcast('g', new PreparedFrame('y'.repeat(600)));
  expect(cutOff).toBe(1);
  expect(groups.size('g')).toBe(0);
  await endOfTurn();
});

it("does not pile up a long turn: a socket's corked frames go out each time they reach 16 KiB", async () => {
  const p = await pair();
  const frame = new PreparedFrame('z'.repeat(1_000)); // 1,004 bytes on the wire
  for (let i = 0; i < 40; i++) {
    frame.writeTo(p.server);
    expect(p.server.bufferedAmount).toBeLessThan(16_384 + 1_004);
  }
  expect(p.writes()).toBe(2); // 17 frames each, the 18th and 35th flush them
  await endOfTurn();
  expect(p.writes()).toBe(3); // the last 6
  expect(await p.received(40)).toHaveLength(40);
});

/** A socket's TCP stream as corkForTurn sees it, counting how often it was uncorked. */
function standIn(): { ws: WebSocket; stream: { writableCorked: number; uncorks: number } } {
  const stream = {
    writableCorked: 0,
    writableLength: 0,
    writableHighWaterMark: 16_384,
    uncorks: 0,
    cork() {
      this.writableCorked++;
    },
    uncork() {
      this.writableCorked--;
      this.uncorks++;
    },
  };
  return { ws: { _socket: stream } as unknown as WebSocket, stream };
}

it('flushes a fan-out larger than a slice one slice per loop iteration; a socket still corked takes later frames into the same write', async () => {
  const sockets = Array.from({ length: FLUSH_SLICE + 2 }, standIn);
  for (const { ws } of sockets) corkForTurn(ws);
  await endOfTurn();
  const uncorked = () => sockets.filter((s) => s.stream.writableCorked === 0).length;
  expect(uncorked()).toBe(FLUSH_SLICE); // the first slice, in this turn
  const [first] = sockets;
  const last = sockets[sockets.length - 1];
  corkForTurn(last.ws); // a publish read before its slice: joins its pending write
  corkForTurn(first.ws); // flushed already: corked again, for the round after this one
  expect(first.stream.writableCorked).toBe(1);
  await endOfTurn(); // the round's last two, then the next round in the same slice
  expect(uncorked()).toBe(sockets.length);
  expect(sockets.every((s) => s.stream.uncorks === (s === first ? 2 : 1))).toBe(true);
});

it('flushes a slice of sockets or fewer whole, in the turn they were corked', async () => {
  const sockets = Array.from({ length: FLUSH_SLICE }, standIn);
  for (const { ws } of sockets) corkForTurn(ws);
  await endOfTurn();
  expect(sockets.every((s) => s.stream.writableCorked === 0 && s.stream.uncorks === 1)).toBe(true);
});
