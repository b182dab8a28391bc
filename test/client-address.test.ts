// Whose connection it is: the peer, or X-Forwarded-For only behind a trusted proxy.
import type { IncomingMessage } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { ClientAddress, limitKey } from '../src/limits/client-address';

const req = (remoteAddress: string, forwardedFor?: string | string[]) =>
  ({ socket: { remoteAddress }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;

describe('ClientAddress', () => {
  it('is the peer, and ignores X-Forwarded-For, when no proxy is trusted', () => {
    const addresses = new ClientAddress([]);
    expect(addresses.of(req('203.0.113.7', '198.51.100.1'))).toBe('203.0.113.7');
  });

  it('reads X-Forwarded-For from the right, past trusted proxies, to the first untrusted address', () => {
    const addresses = new ClientAddress(['10.0.0.0/8', '127.0.0.1']);
    expect(addresses.of(req('127.0.0.1', '198.51.100.1'))).toBe('198.51.100.1');
    // The client claims an address (spoofed, leftmost); the proxies' own entries are on the right.
    expect(addresses.of(req('127.0.0.1', '1.2.3.4, 198.51.100.1, 10.1.2.3'))).toBe('198.51.100.1');
    // Several headers are one list.
    expect(addresses.of(req('10.9.9.9', ['1.2.3.4', '198.51.100.2']))).toBe('198.51.100.2');
  });

  it('ignores the header of an untrusted peer', () => {
    const addresses = new ClientAddress(['10.0.0.0/8']);
    expect(addresses.of(req('203.0.113.7', '198.51.100.1'))).toBe('203.0.113.7');
  });

  it('stops at a malformed entry, and falls back to the peer without a header', () => {
    const addresses = new ClientAddress(['127.0.0.1']);
    expect(addresses.of(req('127.0.0.1', '198.51.100.1, not-an-ip'))).toBe('127.0.0.1');
    expect(addresses.of(req('127.0.0.1'))).toBe('127.0.0.1');
    expect(addresses.of(req('127.0.0.1', ''))).toBe('127.0.0.1');
  });

  it('treats an IPv4-mapped IPv6 peer as its IPv4 address, and matches IPv6 ranges', () => {
    expect(new ClientAddress([]).of(req('::ffff:203.0.113.7'))).toBe('203.0.113.7');
    const addresses = new ClientAddress(['127.0.0.1', 'fd00::/8']);
    expect(addresses.of(req('::ffff:127.0.0.1', '2001:db8::1'))).toBe('2001:db8::1');
    expect(addresses.of(req('fd12::1', '2001:db8::2, fd00::5'))).toBe('2001:db8::2');
  });

  it("reads a real socket's peer from its handle, without leaving the address cached on the socket", async () => {
    const server = createServer();
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    try {
      const socket = await accepted;
      expect(new ClientAddress([]).of({ socket, headers: {} } as unknown as IncomingMessage)).toBe('127.0.0.1');
      expect((socket as unknown as { _peername?: unknown })._peername).toBeUndefined();
    } finally {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('limitKey', () => {
  it('counts an IPv4 address whole', () => {
    expect(limitKey('203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts an IPv6 address by its /64, however it is written', () => {
    const key = '2001:db8:0:1::/64';
    for (const address of ['2001:db8:0:1::1', '2001:db8:0:1:ffff:ffff:ffff:ffff', '2001:0DB8:0000:0001:0:0:0:2', '2001:db8:0:1:0:0:1.2.3.4', '2001:db8:0:1::9%eth0']) {
      expect(limitKey(address)).toBe(key);
    }
    expect(limitKey('2001:db8:0:2::1')).toBe('2001:db8:0:2::/64');
    expect(limitKey('::1')).toBe('0:0:0:0::/64');
    expect(limitKey('2001:db8::')).toBe('2001:db8:0:0::/64');
  });
});
