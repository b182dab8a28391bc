// Counting connections in and out against the node's and each address's limit; the default limit
// and the open-files limit.
import { ConnectionLimits } from '../src/limits/connection-limits';
import { DEFAULT_MAX_CONNECTIONS, maxConnections, openFilesLimit } from '../src/limits/open-files';
import { Metrics } from '../src/metrics';

const hits = async (metrics: Metrics, limit: string) =>
  (await metrics.limitsHitTotal.get()).values.find((v) => v.labels.limit === limit)?.value ?? 0;

describe('ConnectionLimits', () => {
  it('refuses past the per-address limit (429) and the node limit (503), and counts each refusal', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const limits = new ConnectionLimits({ maxConnections: 3, maxConnectionsPerIp: 2, trustedProxies: [] }, metrics);
    const [a1, a2, b1, c1] = [{}, {}, {}, {}];
    expect(limits.refusal('games', '192.0.2.1')).toBeUndefined();
    limits.hold(a1, '192.0.2.1');
    limits.hold(a2, '192.0.2.1');
    expect(limits.refusal('games', '192.0.2.1')).toMatchObject({ status: 429, limit: 'connections_per_ip' });
    expect(limits.refusal('pizza', '192.0.2.2')).toBeUndefined();
    limits.hold(b1, '192.0.2.2');
    expect(limits.refusal('workspace', '192.0.2.3')).toMatchObject({ status: 503, limit: 'connections' });
    expect(limits.open).toBe(3);
    expect(await hits(metrics, 'connections_per_ip')).toBe(1);
    expect(await hits(metrics, 'connections')).toBe(1);

    limits.release(a1);
    limits.release(a1); // twice: counted out once
    expect(limits.open).toBe(2);
    expect(limits.refusal('games', '192.0.2.1')).toBeUndefined();
    limits.hold(c1, '192.0.2.1');
    limits.hold(c1, '192.0.2.1'); // twice: counted in once
    expect(limits.open).toBe(3);
    for (const conn of [a2, b1, c1]) limits.release(conn);
    expect(limits.open).toBe(0);
  });
});

describe('ConnectionLimits.addressOf', () => {
  it('counts the IPv6 clients of one /64 as one address (forwarded by a trusted proxy here)', () => {
    const limits = new ConnectionLimits({ maxConnections: 10, maxConnectionsPerIp: 1, trustedProxies: ['127.0.0.1'] }, new Metrics({ defaultMetrics: false }));
    const from = (client: string) => limits.addressOf({ socket: { remoteAddress: '127.0.0.1' }, headers: { 'x-forwarded-for': client } } as never);
    limits.hold({}, from('2001:db8:0:1::1'));
    expect(limits.refusal('games', from('2001:db8:0:1::2'))).toMatchObject({ status: 429 });
    expect(limits.refusal('games', from('2001:db8:0:2::1'))).toBeUndefined();
    expect(limits.refusal('games', from('192.0.2.1'))).toBeUndefined();
  });
});

describe('the default connection limit', () => {
  const PROC_LIMITS = [
    'Limit                     Soft Limit           Hard Limit           Units',
    'Max processes             63704                63704                processes',
    'Max open files            20000                20000                files',
  ].join('\n');

  it('reads the soft open-files limit, or nothing where unknown', () => {
    expect(openFilesLimit(() => PROC_LIMITS)).toBe(20000);
    expect(openFilesLimit(() => PROC_LIMITS.replace(/20000 {16}20000/, 'unlimited            unlimited'))).toBeUndefined();
    expect(openFilesLimit(() => {
      throw new Error('ENOENT');
    })).toBeUndefined();
  });

  it('is 10000 or 80% of the open-files limit, whichever is lower; an explicit value is taken as given', () => {
    expect(maxConnections(undefined, 65536)).toBe(DEFAULT_MAX_CONNECTIONS);
    expect(maxConnections(undefined, 1024)).toBe(819);
    expect(maxConnections(undefined, undefined)).toBe(DEFAULT_MAX_CONNECTIONS);
    expect(maxConnections(50_000, 1024)).toBe(50_000);
  });
});
