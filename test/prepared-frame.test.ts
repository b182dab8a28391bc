// A prepared frame reaches every recipient intact, as one write to its TCP stream (header and payload
// in one buffer), and a socket that is no longer open is skipped. Real sockets on loopback.
import { once } from 'node:events';
import type WebSocket from 'ws';
import { PreparedFrame } from '../src/ws/prepared-frame';
import { loopbackWs } from './helpers/loopback-ws';

const loopback = loopbackWs();

/** A server-side socket, its client, and the chunks written to the server's TCP stream so far. */
async function pair(): Promise<{ server: WebSocket; client: WebSocket; chunks: number[] }> {
  const { server, client } = await loopback.pair();
  const tcp = (server as unknown as { _socket: { write: (chunk: Buffer, ...rest: unknown[]) => boolean } })._socket;
  const chunks: number[] = [];
  const write = tcp.write;
  tcp.write = function (this: unknown, chunk: Buffer, ...rest: unknown[]) {
    chunks.push(chunk.length);
    return write.call(this, chunk, ...rest);
  };
  return { server, client, chunks };
}

describe('PreparedFrame', () => {
  it('delivers the same text to every socket, one write of header and payload each', async () => {
    const text = JSON.stringify({ type: 'ORDER_UPDATE', data: { id: 'é'.repeat(200) } }); // > 125 bytes: a 4-byte header
    const frame = new PreparedFrame(text);
    expect(frame.bytes).toBe(Buffer.byteLength(text));
    const a = await pair();
    const b = await pair();
    const received = Promise.all([a, b].map(({ client }) => once(client, 'message').then(([data]) => (data as Buffer).toString())));
    frame.writeTo(a.server);
    frame.writeTo(b.server);
    expect(await received).toEqual([text, text]);
    for (const { chunks } of [a, b]) expect(chunks).toEqual([frame.bytes + 4]);
  });

  it('skips a socket that is closing', async () => {
    const { server, chunks } = await pair();
    server.close();
    const written = chunks.length; // the close frame
    expect(() => new PreparedFrame('{}').writeTo(server)).not.toThrow();
    expect(chunks.length).toBe(written);
  });
});
