// The broker flow against a local stub Pact Broker (the HAL resources the verifier reads: the index,
// pacts for verification, the pacts, their verification results): selectors as given, a pending pact
// reported without failing the run, results published; an unreachable broker is one clear error; and
// a local run never talks to a broker, even with PACT_BROKER_BASE_URL set.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { BrokerError } from '../../src/pact-verification/broker';
import { startProvider, type Provider } from '../../src/pact-verification/provider';
import { localSource, type BrokerSource } from '../../src/pact-verification/sources';
import { verifySource } from '../../src/pact-verification/verify';
import { CONSUMERS, pactFile } from '../pact';

const GOOD = JSON.parse(readFileSync(pactFile(CONSUMERS.pizza), 'utf8')) as Record<string, unknown>;
const WRONG = JSON.parse(readFileSync(join(__dirname, '..', '..', 'examples', 'consumer-pact', 'wrong', 'pizza-dashboard-switchyard.json'), 'utf8')) as Record<string, unknown>;

interface Seen {
  method: string;
  url: string;
  body: any;
}

/** A stub broker holding the pizza pact (verified before) and a wrong pact (pending). */
async function stubBroker(): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  let url = '';
  const pacts: Record<string, { pact: Record<string, unknown>; pending: boolean }> = { good: { pact: GOOD, pending: false }, wrong: { pact: WRONG, pending: true } };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body: raw ? JSON.parse(raw) : undefined });
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/hal+json' });
        res.end(JSON.stringify(body));
      };
      const [, kind, name] = req.url!.split('/');
      if (req.url === '/') return send(200, { _links: { 'pb:provider-pacts-for-verification': { href: `${url}/for-verification/{provider}`, templated: true } } });
      // The verifier navigates to the resource (GET), then POSTs the selectors to its `self`.
      if (kind === 'for-verification' && req.method === 'GET') return send(200, { _links: { self: { href: `${url}${req.url}` } } });
      if (kind === 'for-verification' && req.method === 'POST') {
        return send(200, {
          _embedded: {
            pacts: Object.entries(pacts).map(([id, p]) => ({
              shortDescription: id,
              verificationProperties: { pending: p.pending && seen.at(-1)!.body.includePendingStatus === true, notices: [] },
              _links: { self: { href: `${url}/pacts/${id}`, name: id } },
            })),
          },
        });
      }
      if (kind === 'pacts' && pacts[name]) return send(200, { ...pacts[name].pact, _links: { 'pb:publish-verification-results': { href: `${url}/results/${name}` } } });
      if (kind === 'results' && req.method === 'POST') return send(201, {});
      send(404, {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { url, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let provider: Provider;
let broker: Awaited<ReturnType<typeof stubBroker>>;
beforeAll(async () => {
  provider = await startProvider();
});
beforeEach(async () => {
  broker = await stubBroker();
});
afterEach(() => broker.close());
afterAll(() => provider?.stop());

const source = (extra: Partial<BrokerSource> = {}): BrokerSource => ({
  kind: 'broker',
  pactBrokerUrl: broker.url,
  pactBrokerToken: 't0k',
  consumerVersionSelectors: [{ mainBranch: true }, { consumer: 'pizza-dashboard', branch: 'feat-expiry' }],
  enablePending: true,
  publishVerificationResult: false,
  ...extra,
});

it('verifies the selected pacts; a failing pending pact is reported, not counted; results are published', async () => {
  const result = await verifySource(provider, source({ publishVerificationResult: true, providerVersion: '1.2.3' }));
  expect(result).toMatchObject({ passed: true, failures: [], specProblems: [] });
  const ticket = 'pizza-dashboard "a socket ticket that says when it expires"';
  expect(result.pending).toEqual([{ interaction: ticket, problems: ['$: Actual map is missing the following keys: expires_in'] }]);
  // The spec check still names what the pact asks for and the spec lacks, as pending too.
  expect(result.pendingSpecProblems).toEqual([{ interaction: ticket, problems: ['response 200 body: (root): unexpected property "expires_in"'] }]);

  const selections = broker.seen.filter((s) => s.url.startsWith('/for-verification/'));
  expect(selections.map((s) => s.url)).toContain('/for-verification/switchyard');
  expect(selections[0].body).toMatchObject({ consumerVersionSelectors: [{ mainBranch: true }, { consumer: 'pizza-dashboard', branch: 'feat-expiry' }], includePendingStatus: true });
  const published = broker.seen.filter((s) => s.url.startsWith('/results/'));
  expect(published.map((s) => [s.url, s.body.success, s.body.providerApplicationVersion]).sort()).toEqual([
    ['/results/good', true, '1.2.3'],
    ['/results/wrong', false, '1.2.3'],
  ]);
});

it('without pending, the wrong pact fails the run, naming the interaction and the field; nothing is published', async () => {
  const result = await verifySource(provider, source({ enablePending: false }));
  expect(result.passed).toBe(false);
  expect(result.failures).toEqual([{ interaction: 'pizza-dashboard "a socket ticket that says when it expires"', problems: ['$: Actual map is missing the following keys: expires_in'] }]);
  expect(result.pending).toEqual([]);
  expect(broker.seen.filter((s) => s.url.startsWith('/results/'))).toEqual([]);
});

it('an unreachable broker is one clear error', async () => {
  await broker.close();
  await expect(verifySource(provider, source())).rejects.toEqual(new BrokerError(`the Pact Broker at ${broker.url} is unreachable (ECONNREFUSED)`));
  broker = await stubBroker(); // for afterEach
});

it('a local run never talks to a broker, even with PACT_BROKER_BASE_URL and a token set', async () => {
  process.env.PACT_BROKER_BASE_URL = broker.url;
  process.env.PACT_BROKER_TOKEN = 't0k';
  try {
    const result = await verifySource(provider, localSource([pactFile(CONSUMERS.pizza)]));
    expect(result.passed).toBe(true);
    // As many as the pact holds: a message added to the spec adds one (contract/published.ts).
    const { interactions } = JSON.parse(readFileSync(pactFile(CONSUMERS.pizza), 'utf8')) as { interactions: unknown[] };
    expect(result.pacts).toEqual([{ name: 'pizza-backoffice (pizza-backoffice-switchyard.json)', interactions: interactions.length }]);
  } finally {
    delete process.env.PACT_BROKER_BASE_URL;
    delete process.env.PACT_BROKER_TOKEN;
  }
  expect(broker.seen).toEqual([]);
});
