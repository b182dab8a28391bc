// One verification: the pacts of a source against a provider (a throwaway gateway), with the
// Verifier of @pact-foundation/pact wired to the provider states and the message producers, after
// checking every interaction against the specs. pact-js is loaded only here, when a verification
// runs: it is an optional peer of the package (the native core is large, consumers already have it).
import { readFile } from 'node:fs/promises';
import { parsePact, isMessage, nameOf, type PactFile } from './pact-file';
import { brokerPacts } from './broker';
import { messageProducers, type MessageRequest } from './messages';
import type { Provider } from './provider';
import type { PactSource } from './sources';
import { checkInteraction, loadSpecs } from './spec-check';
import { stateHandlers } from './states';

export const PROVIDER = 'switchyard';

/** One failing interaction, named as `<consumer> "<description>"`, with what failed. */
export interface Failure {
  interaction: string;
  problems: string[];
}

export interface Verification {
  /** Every interaction verified and fits the specs. */
  passed: boolean;
  pacts: Array<{ name: string; interactions: number }>;
  /** Interactions outside the specs or asking for what the provider cannot set up. */
  specProblems: Failure[];
  /** Interactions the provider did not honour. */
  failures: Failure[];
  /** Failures of pending pacts (broker): reported, not counted. */
  pending: Failure[];
}

/** What pact-core reports (pactffi_verifier_json). */
interface CoreResult {
  result: boolean;
  errors?: CoreError[];
  pendingErrors?: CoreError[];
}
interface CoreError {
  interaction: string;
  mismatch: { type: 'mismatches'; mismatches: Array<{ type?: string; path?: string; mismatch?: string; key?: string; expected?: unknown; actual?: unknown }> } | { type: 'error'; message: string };
}

/** The pacts a source holds, read here as the verifier will read them. */
export async function readPacts(source: PactSource): Promise<PactFile[]> {
  if (source.kind === 'broker') return brokerPacts(source, PROVIDER);
  return Promise.all(
    source.pactUrls.map(async (url) => {
      if (!/^https?:\/\//i.test(url)) return parsePact(await readFile(url, 'utf8'), url.split('/').pop()!);
      const res = await fetch(url).catch((err: Error) => {
        throw new Error(`cannot fetch the pact ${url}: ${(err.cause as Error | undefined)?.message ?? err.message}`);
      });
      if (!res.ok) throw new Error(`cannot fetch the pact ${url}: ${res.status}`);
      return parsePact(await res.text(), url);
    }),
  );
}

/** What the specs and the provider say about each interaction before anything runs. */
export function precheck(pacts: PactFile[], provider: Provider): Failure[] {
  const specs = loadSpecs();
  const states = stateHandlers(provider);
  const producerOf = messageProducers(provider);
  return pacts.flatMap((pact) => {
    const wrongProvider = pact.provider === PROVIDER ? [] : [{ interaction: pact.file, problems: [`the pact's provider is "${pact.provider}", not "${PROVIDER}"`] }];
    const byInteraction = new Map<string, string[]>();
    for (const i of pact.interactions) {
      const problems = checkInteraction(i, specs);
      for (const s of i.providerStates ?? []) if (!Object.hasOwn(states, s.name)) problems.push(`unknown provider state "${s.name}"`);
      // A message the specs do not name is already said; one they name may still have no producer.
      const producer = isMessage(i) && problems.length === 0 ? producerOf(i.metadata ?? {}) : undefined;
      if (typeof producer === 'string') problems.push(producer);
      if (problems.length > 0) byInteraction.set(nameOf(pact, i), problems);
    }
    return [...wrongProvider, ...[...byInteraction].map(([interaction, problems]) => ({ interaction, problems }))];
  });
}

/**
 * pact-js finds a message's producer by the interaction's description and sends no metadata; the
 * metadata is looked up here, in the pacts read beforehand, by description and provider states.
 */
function messageProvidersFor(pacts: PactFile[], provider: Provider) {
  const producerOf = messageProducers(provider);
  const known = pacts.flatMap((p) => p.interactions.filter(isMessage));
  const handler = async (request: { description: string; providerStates?: unknown[] }) => {
    const states = JSON.stringify(request.providerStates ?? []);
    const candidates = known.filter((i) => i.description === request.description);
    const chosen = candidates.length > 1 ? candidates.filter((i) => JSON.stringify(i.providerStates ?? []) === states) : candidates;
    const distinct = new Set(chosen.map((i) => JSON.stringify(i.metadata ?? {})));
    if (distinct.size !== 1) throw new Error(`cannot tell which message "${request.description}" is: ${distinct.size} interactions of that description and states name different messages`);
    const metadata = chosen[0].metadata ?? {};
    const producer = producerOf(metadata);
    if (typeof producer === 'string') throw new Error(producer);
    return producer({ description: request.description, metadata, providerStates: (request.providerStates ?? []) as MessageRequest['providerStates'] });
  };
  return Object.fromEntries(known.map((i) => [i.description, handler]));
}

/**
 * pact-js's proxy parses a form body and forwards it re-serialized as JSON (pact-js#884), which the
 * messenger API rightly refuses; this puts the form encoding back before the body is proxied.
 */
export function formBodies(req: { is(type: string): unknown; body: unknown }, _res: unknown, next: () => void): void {
  if (req.is('application/x-www-form-urlencoded') && typeof req.body === 'object' && req.body !== null && !Buffer.isBuffer(req.body)) {
    req.body = Buffer.from(new URLSearchParams(req.body as Record<string, string>).toString());
  }
  next();
}

/** pact-core reads these from the environment on every run that names its provider. */
const BROKER_ENV = /^PACT_(BROKER_|PUBLISH_VERIFICATION_RESULTS|INCLUDE_WIP|PROVIDER_STATE|PROVIDER_NO_STATE|DESCRIPTION)/;

/** Runs `fn` with the broker variables hidden from pact-core (a local run), restoring them after. */
async function withoutBrokerEnv<T>(fn: () => Promise<T>): Promise<T> {
  const hidden = Object.entries(process.env).filter(([k]) => BROKER_ENV.test(k));
  for (const [k] of hidden) delete process.env[k];
  try {
    return await fn();
  } finally {
    for (const [k, v] of hidden) process.env[k] = v;
  }
}

/** The Verifier of the consumer's pact-js (an optional peer), or an error saying how to get it. */
export function loadPact(): typeof import('@pact-foundation/pact') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on use: an optional peer
    return require('@pact-foundation/pact') as typeof import('@pact-foundation/pact');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    throw new Error('verifying pacts needs @pact-foundation/pact 16 next to switchyard: npm install --save-dev @pact-foundation/pact@^16');
  }
}

/** Runs the verifier over the source; `pacts` are the source's pacts as readPacts read them. */
export async function runVerifier(provider: Provider, source: PactSource, pacts: PactFile[], logLevel: 'error' | 'warn' | 'info' | 'debug' = 'warn'): Promise<CoreResult> {
  const { Verifier } = loadPact();
  const { kind: _kind, ...where } = source;
  const verifier = new Verifier({
    provider: PROVIDER,
    providerBaseUrl: provider.url,
    ...where,
    // The options type intersects these with the legacy MessageProviderPact handlers `(state, params)`;
    // the Verifier calls them as its proxy's, `(params)`, which is what they are.
    stateHandlers: stateHandlers(provider) as never,
    messageProviders: messageProvidersFor(pacts, provider),
    requestFilter: formBodies as never,
    failIfNoPactsFound: true,
    logLevel,
  });
  const run = () =>
    verifier.verifyProvider().then(
      (json) => json,
      (err: Error) => {
        // A failed verification rejects with pact-core's JSON report; anything else is an error.
        try {
          JSON.parse(err.message);
          return err.message;
        } catch {
          throw err;
        }
      },
    );
  const json = source.kind === 'local' ? await withoutBrokerEnv(run) : await run();
  return JSON.parse(json) as CoreResult;
}

const describeMismatch = (m: Extract<CoreError['mismatch'], { type: 'mismatches' }>['mismatches'][number]): string => {
  const where = m.path ?? m.key;
  const what = m.mismatch ?? `expected ${JSON.stringify(m.expected)}, got ${JSON.stringify(m.actual)}`;
  return where ? `${where}: ${what}` : what;
};

/**
 * pact-core's errors as failures, named like the spec check names interactions. pact-core names an
 * interaction "Verifying a pact between <consumer> and <provider>[ Given <states>] - <description>";
 * the pact it came from says where the description starts.
 */
export function failuresOf(errors: CoreError[] = [], pacts: PactFile[] = []): Failure[] {
  const named = pacts.flatMap((pact) => pact.interactions.map((i) => ({ pact, i, tail: ` - ${i.description}` })));
  return errors.map((e) => {
    const match = named
      .filter(({ pact, tail }) => e.interaction.endsWith(tail) && e.interaction.startsWith(`Verifying a pact between ${pact.consumer} and `))
      .sort((a, b) => b.tail.length - a.tail.length)[0];
    return {
      interaction: match ? nameOf(match.pact, match.i) : e.interaction,
      problems: e.mismatch.type === 'error' ? [e.mismatch.message] : e.mismatch.mismatches.map(describeMismatch),
    };
  });
}

/** The whole verification of a source: read, check against the specs, verify, report. */
export async function verifySource(provider: Provider, source: PactSource, logLevel?: 'error' | 'warn' | 'info' | 'debug'): Promise<Verification> {
  const pacts = await readPacts(source);
  const specProblems = precheck(pacts, provider);
  const core = pacts.length === 0 ? { result: false, errors: [] } : await runVerifier(provider, source, pacts, logLevel);
  const failures = failuresOf(core.errors, pacts);
  return {
    passed: pacts.length > 0 && core.result && failures.length === 0 && specProblems.length === 0,
    pacts: pacts.map((p) => ({ name: `${p.consumer} (${p.file})`, interactions: p.interactions.length })),
    specProblems,
    failures,
    pending: failuresOf(core.pendingErrors, pacts),
  };
}
