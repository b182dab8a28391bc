// What every contract stage agrees on: where pacts live, who the consumers are, and how a message
// interaction names the spec message it carries.
import { join } from 'node:path';
import { PactV4 } from '@pact-foundation/pact';
import type { ConsumerPact } from '@pact-foundation/pact-core';
import type { ApiName } from '../generated';
import { PROVIDER } from '../src/pact-verification/verify';
import type { V4RequestBuilder } from '@pact-foundation/pact/src/v4/http/types';

export const PACTS_DIR = join(__dirname, '..', 'pacts');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- shared with the Jest reporter, which is plain JS
const { stagingDir } = require('./pact-staging') as { stagingDir(testPath: string): string };

/** One consumer per documented client (README "Verifying contracts in CI"). */
export const CONSUMERS = {
  events: 'events-client',
  games: 'games-client',
  messengerWebhooks: 'messenger-webhook-receiver',
  messengerPoller: 'messenger-poller',
  pizza: 'pizza-backoffice',
  publisher: 'publisher',
  workspace: 'workspace-client',
} as const;

export type Consumer = (typeof CONSUMERS)[keyof typeof CONSUMERS];

export const pactFile = (consumer: Consumer): string => join(PACTS_DIR, `${consumer}-${PROVIDER}.json`);

/**
 * The pact of one consumer, written from scratch into the test file's staging directory (Pact
 * merges into an existing file, where a removed or renamed interaction would linger); the consumer
 * stage's reporter moves it into pacts/ once every test of the file passed (pact-staging.js).
 * (Each consumer's interactions live in one test file.)
 */
export function consumerPact(consumer: Consumer): PactV4 {
  const pact = new PactV4({ consumer, provider: PROVIDER, dir: stagingDir(expect.getState().testPath!), logLevel: 'warn' });
  // PactV4 makes a new core pact after every test (setup()): each one gets the wait.
  const internals = pact as unknown as { pact: ConsumerPact; setup(): void };
  const setup = internals.setup.bind(internals);
  internals.setup = () => {
    setup();
    awaitBookings(internals.pact);
  };
  awaitBookings(internals.pact);
  return pact;
}

/** How long a mock server may take to book a request it has answered; only a failing test waits this long. */
const BOOKING_LIMIT_MS = 5000;

/**
 * Under load, the Rust mock server can answer a request before it books the match; executeTest then
 * reads the results and reports "expected but not received" for a request the client sent and had
 * answered (pact-reference#535, pact-js#1835). executeTest reads the results synchronously right
 * after the test body, so the wait is synchronous: the mock server books on its own threads.
 */
function awaitBookings(core: ConsumerPact): void {
  const mismatches = core.mockServerMismatches.bind(core);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  core.mockServerMismatches = (port) => {
    const deadline = Date.now() + BOOKING_LIMIT_MS;
    while (!core.mockServerMatchedSuccessfully(port) && Date.now() < deadline) Atomics.wait(pause, 0, 0, 5);
    return mismatches(port);
  };
}

/**
 * Metadata of every message interaction: the API and the message id (the component key in
 * `specs/<api>.asyncapi.yaml`, the key of `generated/<api>/catalogue.ts`). The provider picks the
 * message to produce by it (never by the description), the spec check validates the message against
 * it, and the provider answers with the same pair, so the verifier compares them.
 */
export interface SpecMessage {
  api: ApiName;
  message: string;
}

/** `api message` of every message this test file's interactions named (coverPublished adds the rest). */
export const specMessagesNamed = new Set<string>();

export const specMessage = (api: SpecMessage['api'], message: string): Record<string, string> => {
  specMessagesNamed.add(`${api} ${message}`);
  return { api, message };
};

/**
 * A form-encoded request body whose fields may hold matchers and provider-state values.
 * pact-js's builder has no form method (`body()` takes it as binary and then fails its content-type
 * sniffing), but the native core reads a form body given as matcher JSON, so this goes one level down.
 */
export function formBody(builder: V4RequestBuilder, fields: Record<string, unknown>): void {
  const { interaction } = builder as unknown as { interaction: { withRequestBody(body: string, contentType: string): boolean } };
  if (!interaction.withRequestBody(JSON.stringify(fields), 'application/x-www-form-urlencoded')) {
    throw new Error('pact-js could not set the form body');
  }
}
