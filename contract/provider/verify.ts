// One verification run: a gateway as the provider, and the Verifier wired to its states and messages.
import { randomBytes } from 'node:crypto';
import { Verifier, type VerifierOptions } from '@pact-foundation/pact';
import type { RequestHandler } from 'express';
import { startGateway, type TestGateway } from '../../test/helpers/gateway';
import { PROVIDER } from '../pact';
import { messageProviders } from './messages';
import type { PactSource } from './source';
import { stateHandlers } from './states';

/**
 * pact-js's proxy parses a form body and forwards it re-serialized as JSON (pact-js#884), which the
 * messenger API rightly refuses; this puts the form encoding back before the body is proxied.
 */
export const formBodies: RequestHandler = (req, _res, next) => {
  if (req.is('application/x-www-form-urlencoded') && typeof req.body === 'object' && !Buffer.isBuffer(req.body)) {
    req.body = Buffer.from(new URLSearchParams(req.body as Record<string, string>).toString());
  }
  next();
};

/** A gateway with its own secrets (a pact must not depend on ours) and short long-poll timeouts. */
export const startProvider = (options: Parameters<typeof startGateway>[1] = {}): Promise<TestGateway> =>
  startGateway(
    {
      AUTH_JWT_SECRET: randomBytes(16).toString('hex'),
      API_SECRET: randomBytes(16).toString('hex'),
      POLL_TIMEOUT_MS: '300',
      MESSENGER_POLL_TIMEOUT_MS: '300',
    },
    options,
  );

/** Resolves when every interaction of the source holds; rejects naming the ones that do not. */
export function verify(gw: TestGateway, source: PactSource): Promise<string> {
  return new Verifier({
    provider: PROVIDER,
    providerBaseUrl: gw.url,
    ...source,
    // The options type intersects these with the legacy MessageProviderPact handlers `(state, params)`;
    // the Verifier calls them as its proxy's, `(params)`, which is what they are.
    stateHandlers: stateHandlers(gw) as unknown as VerifierOptions['stateHandlers'],
    messageProviders: messageProviders(gw),
    requestFilter: formBodies,
    failIfNoPactsFound: true,
    logLevel: 'warn',
  }).verifyProvider();
}
