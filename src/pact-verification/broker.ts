// The pacts a broker selects for provider `switchyard`, read the way the verifier reads them (the
// "pacts for verification" resource): the verification needs their message metadata and checks them
// against the specs before the verifier runs. An unreachable or refusing broker is one clear error.
import type { BrokerSource } from './sources';
import { parsePact, type PactFile } from './pact-file';

export class BrokerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BrokerError';
  }
}

interface Links {
  _links?: Record<string, { href?: string } | undefined>;
  verificationProperties?: { pending?: boolean };
}

export async function brokerPacts(source: BrokerSource, provider: string): Promise<PactFile[]> {
  const headers: Record<string, string> = { accept: 'application/hal+json, application/json' };
  if (source.pactBrokerToken) headers.authorization = `Bearer ${source.pactBrokerToken}`;
  else if (source.pactBrokerUsername) headers.authorization = `Basic ${Buffer.from(`${source.pactBrokerUsername}:${source.pactBrokerPassword ?? ''}`).toString('base64')}`;

  const call = async (url: string, init: RequestInit = {}): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetch(url, { ...init, headers: { ...headers, ...(init.body ? { 'content-type': 'application/json' } : {}) } });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new BrokerError(`the Pact Broker at ${source.pactBrokerUrl} is unreachable (${cause?.code ?? cause?.message ?? String(err)})`);
    }
    if (!res.ok) throw new BrokerError(`the Pact Broker answered ${res.status} to ${init.method ?? 'GET'} ${url}${res.status === 401 || res.status === 403 ? ': check the token or credentials' : ''}`);
    try {
      return await res.json();
    } catch {
      // e.g. a web site's HTML page: JSON.parse's "Unexpected token '<'" would not say where.
      throw new BrokerError(`${url} did not answer JSON to ${init.method ?? 'GET'} (is it a Pact Broker?)`);
    }
  };

  const index = (await call(new URL('/', source.pactBrokerUrl).href)) as Links;
  const template = index._links?.['pb:provider-pacts-for-verification']?.href;
  if (!template) throw new BrokerError(`${source.pactBrokerUrl} does not offer pacts for verification (is it a Pact Broker?)`);
  const selection = (await call(template.replace('{provider}', encodeURIComponent(provider)), {
    method: 'POST',
    body: JSON.stringify({
      consumerVersionSelectors: source.consumerVersionSelectors,
      includePendingStatus: source.enablePending,
      ...(source.includeWipPactsSince ? { includeWipPactsSince: source.includeWipPactsSince } : {}),
      ...(source.providerVersionBranch ? { providerVersionBranch: source.providerVersionBranch } : {}),
    }),
  })) as { _embedded?: { pacts?: Links[] } };
  const selected = (selection._embedded?.pacts ?? []).filter((p) => typeof p._links?.self?.href === 'string');
  return Promise.all(
    selected.map(async (p) => {
      const url = p._links!.self!.href!;
      return { ...parsePact(JSON.stringify(await call(url)), url), pending: p.verificationProperties?.pending === true };
    }),
  );
}
