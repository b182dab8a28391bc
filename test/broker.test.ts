// Reading a Pact Broker's "pacts for verification" selection, against a local HTTP server standing in
// for the broker: what is sent (auth, selectors), what comes back (pacts, pending), and the one clear
// error `switchyard verify` prints for each way a broker can fail.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BrokerError, brokerPacts } from '../src/pact-verification/broker';
import type { BrokerSource } from '../src/pact-verification/sources';
import { freePort } from './helpers/process';

const PACT = readFileSync(join(__dirname, '..', 'pacts', 'publisher-switchyard.json'), 'utf8');

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  body?: unknown;
}

type Route = (req: IncomingMessage, body: string) => { status?: number; body: string | object } | undefined;

let server: Server;
let base: string;
let seen: Seen[];
let route: Route;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body: body ? JSON.parse(body) : undefined });
      const answer = route(req, body) ?? { status: 404, body: { error: 'not found' } };
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/hal+json' });
      res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen = [];
  route = broker([
    { self: '/pacts/publisher', pending: false },
    { self: '/pacts/wip', pending: true },
  ]);
});

/** A broker whose selection holds these pacts (each answering the real publisher pact). */
function broker(pacts: Array<{ self?: string; pending?: boolean }>): Route {
  return (req) => {
    if (req.url === '/') return { body: { _links: { 'pb:provider-pacts-for-verification': { href: `${base}/pacts/provider/{provider}/for-verification` } } } };
    if (req.method === 'POST' && req.url?.startsWith('/pacts/provider/')) {
      return { body: { _embedded: { pacts: pacts.map((p) => ({ _links: p.self ? { self: { href: `${base}${p.self}` } } : {}, verificationProperties: { pending: p.pending } })) } } };
    }
    if (req.method === 'GET' && req.url?.startsWith('/pacts/')) return { body: PACT };
    return undefined;
  };
}

const source = (extra: Partial<BrokerSource> = {}): BrokerSource => ({
  kind: 'broker',
  pactBrokerUrl: base,
  consumerVersionSelectors: [{ mainBranch: true }],
  enablePending: false,
  publishVerificationResult: false,
  ...extra,
});

describe('the selection', () => {
  it('posts the selectors for the provider, then reads each selected pact with its pending flag', async () => {
    const pacts = await brokerPacts(source({ pactBrokerToken: 't0ken' }), 'switch yard');
    expect(pacts.map((p) => [p.file, p.consumer, p.provider, p.pending])).toEqual([
      [`${base}/pacts/publisher`, 'publisher', 'switchyard', false],
      [`${base}/pacts/wip`, 'publisher', 'switchyard', true],
    ]);
    expect(pacts[0].interactions.length).toBeGreaterThan(0);
    expect(seen[1]).toEqual({
      method: 'POST',
      url: '/pacts/provider/switch%20yard/for-verification',
      authorization: 'Bearer t0ken',
      body: { consumerVersionSelectors: [{ mainBranch: true }], includePendingStatus: false },
    });
    expect(seen.every((s) => s.authorization === 'Bearer t0ken')).toBe(true);
  });

  it('asks for pending and WIP pacts and names the provider branch when given', async () => {
    await brokerPacts(source({ enablePending: true, includeWipPactsSince: '2026-01-01', providerVersionBranch: 'main' }), 'switchyard');
    expect(seen[1].body).toEqual({ consumerVersionSelectors: [{ mainBranch: true }], includePendingStatus: true, includeWipPactsSince: '2026-01-01', providerVersionBranch: 'main' });
  });

  it('uses basic auth when given a username (an empty password when none), and no auth at all otherwise', async () => {
    await brokerPacts(source({ pactBrokerUsername: 'ci' }), 'switchyard');
    expect(seen[0].authorization).toBe(`Basic ${Buffer.from('ci:').toString('base64')}`);
    seen = [];
    await brokerPacts(source({ pactBrokerUsername: 'ci', pactBrokerPassword: 'pw' }), 'switchyard');
    expect(seen[0].authorization).toBe(`Basic ${Buffer.from('ci:pw').toString('base64')}`);
    seen = [];
    await brokerPacts(source(), 'switchyard');
    expect(seen.map((s) => s.authorization)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('an empty selection is no pacts; a selected pact without a self link is left out', async () => {
    route = broker([]);
    expect(await brokerPacts(source(), 'switchyard')).toEqual([]);
    route = broker([{ pending: true }, { self: '/pacts/one' }]);
    expect((await brokerPacts(source(), 'switchyard')).map((p) => [p.file, p.pending])).toEqual([[`${base}/pacts/one`, false]]);
  });
});

describe('what a failing broker says', () => {
  const error = (s: BrokerSource = source()) => brokerPacts(s, 'switchyard').then(() => undefined, (err: Error) => err);

  it('unreachable: the URL and the reason', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const err = await error(source({ pactBrokerUrl: closed }));
    expect(err).toBeInstanceOf(BrokerError);
    expect(err?.message).toBe(`the Pact Broker at ${closed} is unreachable (ECONNREFUSED)`);
  });

  it('401 or 403: check the token or credentials; another status is just named', async () => {
    route = () => ({ status: 401, body: {} });
    expect((await error())?.message).toBe(`the Pact Broker answered 401 to GET ${base}/: check the token or credentials`);
    route = (req) => (req.method === 'POST' ? { status: 500, body: 'boom' } : broker([])(req, ''));
    expect((await error())?.message).toBe(`the Pact Broker answered 500 to POST ${base}/pacts/provider/switchyard/for-verification`);
  });

  it('a server that is no Pact Broker: no pacts-for-verification link, or no JSON at all', async () => {
    route = () => ({ body: { _links: {} } });
    expect(await error()).toMatchObject({ name: 'BrokerError', message: `${base} does not offer pacts for verification (is it a Pact Broker?)` });
    route = () => ({ body: '<html>welcome</html>' });
    expect(await error()).toMatchObject({ name: 'BrokerError', message: `${base}/ did not answer JSON to GET (is it a Pact Broker?)` });
  });

  it('a selected pact that is not a pact names its URL', async () => {
    route = (req) => (req.url === '/pacts/publisher' ? { body: { hello: 'world' } } : broker([{ self: '/pacts/publisher' }])(req, ''));
    expect((await error())?.message).toBe(`${base}/pacts/publisher is not a pact (no consumer and provider names)`);
  });
});
