// Which addresses the gateway may open connections to on a client's behalf (messenger callbacks: any
// user can register a URL, so without this any user could make the gateway POST to its own loopback,
// the private network or a cloud metadata service).
//
// Refused: every IPv4 and IPv6 range of the IANA special-purpose registries that can reach this
// host or a private network (loopback, "this network" 0/8, private, CGNAT 100.64/10, link-local with
// the metadata address 169.254.169.254, unique-local, multicast, reserved, broadcast, NAT64 and
// 6to4/Teredo relays, ...), and any IPv6 address outside global unicast 2000::/3. An IPv4-mapped IPv6
// address (::ffff:a.b.c.d) is judged as the IPv4 address it is. Not refused: the documentation ranges
// (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32), which are routed nowhere and which the
// specs' examples use. The operator's allowed networks (WEBHOOK_ALLOWED_NETWORKS) override the refusal.
//
// Node's own net.BlockList does the CIDR matching (and matches IPv4 rules against IPv4-mapped IPv6
// addresses), so no dependency is needed; what is written here is only the list of ranges.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { Network } from '../config';

const SPECIAL_IPV4: ReadonlyArray<[string, number]> = [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches this host
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // shared address space (CGNAT)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255 broadcast
];

const SPECIAL_IPV6_IN_GLOBAL: ReadonlyArray<[string, number]> = [
  ['2001::', 23], // IETF protocol assignments, with Teredo 2001::/32
  ['2002::', 16], // 6to4: reaches any IPv4 address through a relay
];

/** IPv4 rules apply to these IPv6 addresses (BlockList matches IPv4 ranges against them). */
const IPV4_MAPPED: [string, number] = ['::ffff:0:0', 96];

function blockList(networks: Iterable<readonly [string, number, 'ipv4' | 'ipv6']>): BlockList {
  const list = new BlockList();
  for (const [address, prefix, family] of networks) list.addSubnet(address, prefix, family);
  return list;
}

const specialIpv4 = blockList(SPECIAL_IPV4.map(([a, p]) => [a, p, 'ipv4'] as const));
const ipv4Mapped = blockList([[...IPV4_MAPPED, 'ipv6']]);
const globalIpv6 = blockList([['2000::', 3, 'ipv6']]);
const specialIpv6 = blockList(SPECIAL_IPV6_IN_GLOBAL.map(([a, p]) => [a, p, 'ipv6'] as const));

/** True when `address` (an IP literal, IPv6 without brackets) is in a refused range. */
export function isSpecialAddress(address: string): boolean {
  const version = isIP(address);
  try {
    if (version === 4) return specialIpv4.check(address, 'ipv4');
    if (version === 6) {
      if (ipv4Mapped.check(address, 'ipv6')) return specialIpv4.check(address, 'ipv6');
      return !globalIpv6.check(address, 'ipv6') || specialIpv6.check(address, 'ipv6');
    }
  } catch {
    // An address BlockList cannot read (an IPv6 zone id, say) is refused.
  }
  return true;
}

export type Lookup = (hostname: string) => Promise<LookupAddress[]>;

/** Every address the system resolver (getaddrinfo, /etc/hosts included) gives for `hostname`. */
export const systemLookup: Lookup = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

export type HostCheck =
  | { ok: true; addresses: string[] }
  /** `address` is refused; `unresolvable`: the name does not exist; `lookup_failed`: DNS did not answer. */
  | { ok: false; reason: 'refused'; address: string }
  | { ok: false; reason: 'unresolvable' | 'lookup_failed'; error: string };

export class AddressPolicy {
  private readonly allowed: BlockList;

  constructor(
    allowedNetworks: readonly Network[] = [],
    private readonly lookup: Lookup = systemLookup,
  ) {
    this.allowed = blockList(allowedNetworks.map((n) => [n.address, n.prefix, n.family] as const));
  }

  /** May the gateway connect to this IP address? */
  allows(address: string): boolean {
    const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    try {
      if (this.allowed.check(address, family)) return true;
    } catch {
      return false;
    }
    return !isSpecialAddress(address);
  }

  /**
   * The addresses of `hostname` the gateway may connect to (for the connect-time lookup). Rejects
   * with AddressRefusedError when it resolves only to refused ones, with the lookup's error when
   * it does not resolve.
   */
  async allowedAddresses(hostname: string): Promise<LookupAddress[]> {
    const addresses = await this.lookup(hostname);
    const allowed = addresses.filter((a) => this.allows(a.address));
    if (allowed.length === 0) throw new AddressRefusedError(hostname, addresses.map((a) => a.address).join(', '));
    return allowed;
  }

  /**
   * Checks a URL's host at registration: an IP literal itself, a name every address it resolves to
   * (one refused address refuses the host). Connections are checked again, address by address, at
   * connect time (guarded-fetch.ts), since a name may resolve differently later.
   */
  async checkHost(hostname: string): Promise<HostCheck> {
    const literal = unbracket(hostname);
    if (isIP(literal) !== 0) return this.allows(literal) ? { ok: true, addresses: [literal] } : { ok: false, reason: 'refused', address: literal };
    let addresses: LookupAddress[];
    try {
      addresses = await this.lookup(hostname);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === 'ENOTFOUND' || code === 'ENODATA' ? 'unresolvable' : 'lookup_failed';
      return { ok: false, reason, error: code ?? (err as Error).message };
    }
    if (addresses.length === 0) return { ok: false, reason: 'unresolvable', error: 'no addresses' };
    const refused = addresses.find((a) => !this.allows(a.address));
    if (refused) return { ok: false, reason: 'refused', address: refused.address };
    return { ok: true, addresses: addresses.map((a) => a.address) };
  }
}

/** A connection the policy refused; `code` is what the webhook deliverer logs. */
export class AddressRefusedError extends Error {
  readonly code = 'ERR_ADDRESS_REFUSED';

  constructor(
    readonly hostname: string,
    readonly address: string,
  ) {
    super(`connecting to ${hostname === address ? address : `${hostname} (${address})`} is refused: not an address webhooks may reach (WEBHOOK_ALLOWED_NETWORKS)`);
    this.name = 'AddressRefusedError';
  }
}

/** `[::1]` (a URL's hostname) -> `::1`. */
export function unbracket(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}
