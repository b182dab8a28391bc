// The guarded fetch (src/egress/guarded-fetch.ts) against a real local server: the address policy
// applies to the address each connection actually uses, so a name whose DNS answer changes after it
// was checked (DNS rebinding) is refused at connect time, and redirects are not followed.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AddressPolicy, AddressRefusedError, type Lookup } from '../src/egress/address-policy';
import { guardedFetch, type GuardedFetch } from '../src/egress/guarded-fetch';
import { DEV_WEBHOOK_ALLOWED_NETWORKS } from '../src/config';

let server: Server;
let port: number;
const hits: string[] = [];
/** What the server answers: 204, or a 302 to `redirectTo`. */
let redirectTo: string | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (redirectTo !== undefined) res.writeHead(302, { location: redirectTo, connection: 'close' }).end();
    else res.writeHead(204, { connection: 'close' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const opened: GuardedFetch[] = [];
const refused: AddressRefusedError[] = [];
beforeEach(() => {
  hits.length = 0;
  refused.length = 0;
  redirectTo = undefined;
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((g) => g.close()));
});

/** A resolver whose answer the test changes, as an attacker controlling a name's DNS would. */
function rebindingResolver(initial: string): { lookup: Lookup; answer(address: string): void; calls: () => number } {
  let address = initial;
  let calls = 0;
  return {
    lookup: async () => {
      calls += 1;
      return [{ address, family: address.includes(':') ? 6 : 4 }];
    },
    answer: (next) => (address = next),
    calls: () => calls,
  };
}

function make(policy: AddressPolicy): GuardedFetch {
  const guarded = guardedFetch(policy, (err) => refused.push(err));
  opened.push(guarded);
  return guarded;
}

const post = (g: GuardedFetch, url: string) => g.fetch(url, { method: 'POST', body: '{}', redirect: 'manual' });

/** The error code a failed fetch carries (what the webhook deliverer logs). */
async function failure(promise: Promise<unknown>): Promise<string | undefined> {
  const err = (await promise.then(() => undefined, (e: unknown) => e)) as { cause?: { code?: string } } | undefined;
  expect(err).toBeDefined();
  return err?.cause?.code;
}

describe('guardedFetch', () => {
  it('connects to an allowed address the name resolves to (through the injected resolver)', async () => {
    const dns = rebindingResolver('127.0.0.1');
    const g = make(new AddressPolicy(DEV_WEBHOOK_ALLOWED_NETWORKS, dns.lookup));
    expect((await post(g, `http://hooks.example:${port}/allowed`)).status).toBe(204);
    expect(hits).toEqual(['/allowed']);
    expect(dns.calls()).toBeGreaterThanOrEqual(1);
  });

  it('refuses a name that resolves to a refused address at connect time, after it was checked (DNS rebinding)', async () => {
    const dns = rebindingResolver('198.51.100.7');
    const policy = new AddressPolicy([], dns.lookup);
    // At registration the name pointed somewhere harmless...
    expect(await policy.checkHost('rebind.example')).toEqual({ ok: true, addresses: ['198.51.100.7'] });
    // ...then its DNS answer changed to this machine.
    dns.answer('127.0.0.1');
    const g = make(policy);
    expect(await failure(post(g, `http://rebind.example:${port}/rebound`))).toBe('ERR_ADDRESS_REFUSED');
    expect(hits).toEqual([]);
    expect(refused.map((e) => [e.hostname, e.address])).toEqual([['rebind.example', '127.0.0.1']]);
  });

  it('looks the name up again for every new connection', async () => {
    const dns = rebindingResolver('127.0.0.1');
    const policy = new AddressPolicy(DEV_WEBHOOK_ALLOWED_NETWORKS, dns.lookup);
    const g = make(policy);
    expect((await post(g, `http://flip.example:${port}/first`)).status).toBe(204);
    // The server closes every connection, so the next request needs a new one (a pooled one would
    // stay with the address it was checked for).
    dns.answer('10.0.0.1');
    expect(await failure(post(g, `http://flip.example:${port}/second`))).toBe('ERR_ADDRESS_REFUSED');
    expect(hits).toEqual(['/first']);
  });

  it.each([
    ['127.0.0.1', (p: number) => `http://127.0.0.1:${p}/v4`],
    ['[::1]', (p: number) => `http://[::1]:${p}/v6`],
    ['[::ffff:127.0.0.1]', (p: number) => `http://[::ffff:127.0.0.1]:${p}/mapped`],
    ['2130706433 (127.0.0.1 as one number)', (p: number) => `http://2130706433:${p}/number`],
    ['0x7f.1', (p: number) => `http://0x7f.1:${p}/hex`],
  ])('refuses the IP literal %s before connecting', async (_what, url) => {
    const g = make(new AddressPolicy([], async () => {
      throw new Error('an IP literal needs no lookup');
    }));
    expect(await failure(post(g, url(port)))).toBe('ERR_ADDRESS_REFUSED');
    expect(hits).toEqual([]);
    expect(refused).toHaveLength(1);
  });

  it('does not follow a redirect: the 302 is the answer, its target is not requested', async () => {
    redirectTo = `http://127.0.0.1:${port}/target`;
    const g = make(new AddressPolicy(DEV_WEBHOOK_ALLOWED_NETWORKS));
    const res = await post(g, `http://127.0.0.1:${port}/redirecting`);
    expect(res.status).toBe(302);
    expect(hits).toEqual(['/redirecting']);
  });

  it('passes a lookup failure on as it is', async () => {
    const g = make(new AddressPolicy([], async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND gone.example'), { code: 'ENOTFOUND' });
    }));
    expect(await failure(post(g, `http://gone.example:${port}/`))).toBe('ENOTFOUND');
    expect(refused).toEqual([]);
  });
});
