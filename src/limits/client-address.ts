// Who a connection comes from, for per-client limits. The peer's address, unless the peer is a proxy
// the operator trusts (TRUSTED_PROXIES): then X-Forwarded-For is read from the right (each proxy
// appends the address it received the request from) and the first address that is not itself a
// trusted proxy is the client. An untrusted peer's header is ignored, so a client cannot pick its
// own address. Ranges are matched by node's own BlockList (IPv4, IPv6, CIDR).
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP, type Socket } from 'node:net';

const MAPPED_IPV4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

interface PeerHandle {
  getpeername?(out: { address?: string }): number;
}

/**
 * The peer's address, read from the socket's handle as net.Socket's own `remoteAddress` does, but
 * without caching it: `remoteAddress` keeps `{address, family, port}` on the socket for its whole
 * life (~100 bytes per idle connection, more than the rest of what the limits keep for it).
 */
function peerAddress(socket: Socket): string {
  const handle = (socket as unknown as { _handle?: PeerHandle | null })._handle;
  const out: { address?: string } = {};
  if (handle?.getpeername && handle.getpeername(out) === 0 && out.address) return out.address;
  return socket.remoteAddress ?? '';
}

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) is 1.2.3.4. */
function canonical(address: string): string {
  return MAPPED_IPV4.exec(address)?.[1] ?? address;
}

/**
 * The part of an address a per-client limit counts: an IPv4 address whole, an IPv6 address by its
 * /64 (one subscriber, one LAN: a client given a /64 could otherwise take a new address per
 * connection), e.g. `2001:db8:0:1::/64`.
 */
export function limitKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const bare = address.split('%')[0]; // a zone (fe80::1%eth0) names an interface, not a client
  const [head, tail = ''] = bare.split('::');
  const groups = (text: string) => (text === '' ? [] : text.split(':')).flatMap((g) => (g.includes('.') ? ['0', '0'] : [g]));
  const left = groups(head);
  const right = bare.includes('::') ? groups(tail) : [];
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${all.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}

export class ClientAddress {
  private readonly trusted: BlockList | undefined;

  /** `trustedProxies`: addresses or CIDR ranges (validated by config). */
  constructor(trustedProxies: readonly string[]) {
    if (trustedProxies.length === 0) return;
    this.trusted = new BlockList();
    for (const entry of trustedProxies) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.trusted.addAddress(address, family);
      else this.trusted.addSubnet(address, Number(prefix), family);
    }
  }

  of(req: IncomingMessage): string {
    const peer = canonical(peerAddress(req.socket));
    if (!this.trusted || !this.isTrusted(peer)) return peer;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : header ?? '').split(',');
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = canonical(hops[i].trim());
      if (isIP(hop) === 0) break; // a malformed entry ends what can be believed
      client = hop;
      if (!this.isTrusted(hop)) break;
    }
    return client;
  }

  private isTrusted(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.trusted!.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}
