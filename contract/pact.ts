// What every contract stage agrees on: where pacts live, who the consumers are, and how a message
// interaction names the spec message it carries.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { PactV4 } from '@pact-foundation/pact';
import type { V4RequestBuilder } from '@pact-foundation/pact/src/v4/http/types';

export const PROVIDER = 'switchyard';
export const PACTS_DIR = join(__dirname, '..', 'pacts');

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
 * The pact of one consumer, written from scratch: Pact merges into an existing file, where a removed
 * or renamed interaction would linger. (Each consumer's interactions live in one test file.)
 */
export function consumerPact(consumer: Consumer): PactV4 {
  rmSync(pactFile(consumer), { force: true });
  return new PactV4({ consumer, provider: PROVIDER, dir: PACTS_DIR, logLevel: 'warn' });
}

/**
 * Metadata of every message interaction: the API and the message id (the component key in
 * `specs/<api>.asyncapi.yaml`, the key of `generated/<api>/catalogue.ts`). The spec check validates
 * the message against it, and the provider answers with the same pair, so the verifier compares them.
 */
export interface SpecMessage {
  api: 'events' | 'games' | 'messenger' | 'pizza' | 'workspace';
  message: string;
}

export const specMessage = (api: SpecMessage['api'], message: string): Record<string, string> => ({ api, message });

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
