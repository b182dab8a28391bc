// Which addresses webhooks may reach (src/egress/address-policy.ts).
import type { LookupAddress } from 'node:dns';
import { AddressPolicy, AddressRefusedError, isSpecialAddress, unbracket, type Lookup } from '../src/egress/address-policy';
import { DEV_WEBHOOK_ALLOWED_NETWORKS, parseNetwork, type Network } from '../src/config';

describe('isSpecialAddress', () => {
  it.each([
    // IPv4
    ['0.0.0.0', 'this network (reaches this host)'],
    ['0.1.2.3', 'this network'],
    ['10.0.0.1', 'private'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.254', 'CGNAT'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'cloud metadata (link-local)'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.170', 'IETF protocol assignments'],
    ['192.88.99.1', '6to4 relay'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'benchmarking'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    // IPv6
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::7f00:1', 'IPv4-compatible (deprecated)'],
    ['64:ff9b::a00:1', 'NAT64'],
    ['100::1', 'discard'],
    ['2001::1', 'Teredo'],
    ['2002:7f00:1::1', '6to4'],
    ['fc00::1', 'unique local'],
    ['fd12:3456::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local with a zone'],
    ['fec0::1', 'site-local (deprecated)'],
    ['ff02::1', 'multicast'],
    ['fd00:ec2::254', 'AWS metadata over IPv6 (unique local)'],
    ['not an address', 'garbage'],
  ])('refuses %s (%s)', (address) => {
    expect(isSpecialAddress(address)).toBe(true);
  });

  it.each([
    ['8.8.8.8', 'public IPv4'],
    ['1.1.1.1', 'public IPv4'],
    ['100.63.255.255', 'just below CGNAT'],
    ['100.128.0.0', 'just above CGNAT'],
    ['172.15.255.255', 'just below 172.16/12'],
    ['172.32.0.0', 'just above 172.16/12'],
    ['169.253.255.255', 'just below link-local'],
    ['::ffff:8.8.8.8', 'IPv4-mapped public'],
    ['2606:4700:4700::1111', 'public IPv6'],
    ['2a00:1450:4001::1', 'public IPv6'],
    // Routed nowhere, and the specs' examples use them.
    ['192.0.2.1', 'TEST-NET-1 (documentation)'],
    ['198.51.100.7', 'TEST-NET-2 (documentation)'],
    ['203.0.113.10', 'TEST-NET-3 (documentation)'],
    ['2001:db8::1', 'IPv6 documentation'],
  ])('allows %s (%s)', (address) => {
    expect(isSpecialAddress(address)).toBe(false);
  });
});

const networks = (...cidrs: string[]): Network[] => cidrs.map((c) => parseNetwork(c)!);
const fixedLookup = (...addresses: string[]): Lookup => async () => addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));
const failingLookup = (code: string): Lookup => async () => {
  throw Object.assign(new Error(`lookup failed: ${code}`), { code });
};

describe('AddressPolicy', () => {
  it('refuses special addresses and allows the others', () => {
    const policy = new AddressPolicy();
    expect(policy.allows('127.0.0.1')).toBe(false);
    expect(policy.allows('::1')).toBe(false);
    expect(policy.allows('8.8.8.8')).toBe(true);
  });

  it('allows what the operator allows, IPv4 rules covering IPv4-mapped IPv6 too', () => {
    const policy = new AddressPolicy(networks('10.1.0.0/16', 'fd00::/8', '127.0.0.1'));
    expect(policy.allows('10.1.2.3')).toBe(true);
    expect(policy.allows('::ffff:10.1.2.3')).toBe(true);
    expect(policy.allows('10.2.0.1')).toBe(false);
    expect(policy.allows('fd00::5')).toBe(true);
    expect(policy.allows('fc00::5')).toBe(false);
    expect(policy.allows('127.0.0.1')).toBe(true);
    expect(policy.allows('127.0.0.2')).toBe(false);
    expect(policy.allows('169.254.169.254')).toBe(false);
  });

  it('allows loopback with the dev default, and nothing else special', () => {
    const policy = new AddressPolicy(DEV_WEBHOOK_ALLOWED_NETWORKS);
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(policy.allows(address)).toBe(true);
    for (const address of ['10.0.0.1', '169.254.169.254', 'fe80::1', '0.0.0.0']) expect(policy.allows(address)).toBe(false);
  });

  it('refuses what it cannot read as an address, even with everything allowed', () => {
    expect(new AddressPolicy(networks('0.0.0.0/0', '::/0')).allows('nonsense')).toBe(false);
  });

  describe('checkHost (registration)', () => {
    it('judges an IP literal, bracketed IPv6 included, without a lookup', async () => {
      const policy = new AddressPolicy([], failingLookup('EAI_AGAIN'));
      expect(await policy.checkHost('127.0.0.1')).toEqual({ ok: false, reason: 'refused', address: '127.0.0.1' });
      expect(await policy.checkHost('[::1]')).toEqual({ ok: false, reason: 'refused', address: '::1' });
      expect(await policy.checkHost('[::ffff:7f00:1]')).toEqual({ ok: false, reason: 'refused', address: '::ffff:7f00:1' });
      expect(await policy.checkHost('203.0.113.10')).toEqual({ ok: true, addresses: ['203.0.113.10'] });
    });

    it('refuses a name when any of its addresses is refused', async () => {
      expect(await new AddressPolicy([], fixedLookup('127.0.0.1')).checkHost('evil.example')).toEqual({ ok: false, reason: 'refused', address: '127.0.0.1' });
      expect(await new AddressPolicy([], fixedLookup('8.8.8.8', '10.0.0.1')).checkHost('mixed.example')).toEqual({ ok: false, reason: 'refused', address: '10.0.0.1' });
      expect(await new AddressPolicy([], fixedLookup('8.8.8.8', '2606:4700::1')).checkHost('good.example')).toEqual({ ok: true, addresses: ['8.8.8.8', '2606:4700::1'] });
    });

    it('uses the system resolver by default: localhost is loopback', async () => {
      expect(await new AddressPolicy().checkHost('localhost')).toMatchObject({ ok: false, reason: 'refused' });
      expect(await new AddressPolicy(DEV_WEBHOOK_ALLOWED_NETWORKS).checkHost('localhost')).toMatchObject({ ok: true });
    });

    it('tells a name that does not exist from a resolver that did not answer', async () => {
      expect(await new AddressPolicy([], failingLookup('ENOTFOUND')).checkHost('gone.example')).toEqual({ ok: false, reason: 'unresolvable', error: 'ENOTFOUND' });
      expect(await new AddressPolicy([], fixedLookup()).checkHost('empty.example')).toMatchObject({ ok: false, reason: 'unresolvable' });
      expect(await new AddressPolicy([], failingLookup('EAI_AGAIN')).checkHost('slow.example')).toEqual({ ok: false, reason: 'lookup_failed', error: 'EAI_AGAIN' });
    });
  });

  describe('allowedAddresses (connect time)', () => {
    it('keeps only the allowed addresses, in order', async () => {
      const policy = new AddressPolicy([], fixedLookup('10.0.0.1', '8.8.8.8', '::1', '2606:4700::1'));
      expect((await policy.allowedAddresses('mixed.example')).map((a) => a.address)).toEqual(['8.8.8.8', '2606:4700::1']);
    });

    it('rejects with AddressRefusedError when no address is allowed', async () => {
      const policy = new AddressPolicy([], fixedLookup('127.0.0.1', '::1'));
      const err = await policy.allowedAddresses('rebind.example').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AddressRefusedError);
      expect(err).toMatchObject({ code: 'ERR_ADDRESS_REFUSED', hostname: 'rebind.example', address: '127.0.0.1, ::1' });
    });

    it('passes the lookup error on when the name does not resolve', async () => {
      await expect(new AddressPolicy([], failingLookup('ENOTFOUND')).allowedAddresses('gone.example')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    });
  });
});

describe('unbracket', () => {
  it('removes the brackets of an IPv6 URL host only', () => {
    expect(unbracket('[::1]')).toBe('::1');
    expect(unbracket('example.com')).toBe('example.com');
    expect(unbracket('127.0.0.1')).toBe('127.0.0.1');
  });
});
