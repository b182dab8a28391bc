// A message a spec makes publishable reaches its consumer's pact without a hand-written interaction:
// a consumer test file ends with coverPublished, which adds one interaction for every publishable
// message of the API that no interaction of the file named, its content the spec's example frame,
// decoded by the consumer's own client. (The provider produces the same message from the same
// example: src/pact-verification/messages.ts.)
import { MatchersV3 as M, type PactV4 } from '@pact-foundation/pact';
import { catalogues, type ApiCatalogue, type ApiName } from '../generated';
import { messageExample } from '../src/pact-verification/specs';
import { specMessage, specMessagesNamed } from './pact';

/** `check` gets the example frame as the consumer received it (and its metadata) and asserts how its client decodes it. */
export function coverPublished(pact: PactV4, api: ApiName, check: (content: unknown, metadata: Record<string, unknown>) => void): void {
  it('decodes every other publishable message of the spec, from its example', async () => {
    const catalogue: ApiCatalogue = catalogues[api];
    // Messages the API frames itself (no data pointer) need a provider of their own: not covered here.
    const uncovered = Object.values(catalogue.messages).filter((m) => m.publish && m.publish.dataPointer !== null && !specMessagesNamed.has(`${api} ${m.id}`));
    for (const entry of uncovered) {
      const example: unknown = messageExample(api, entry.id);
      const metadata = { ...specMessage(api, entry.id), ...(entry.protocol === 'socket.io' ? { event: entry.name } : {}) };
      await pact
        .addAsynchronousInteraction()
        .expectsToReceive(`a ${entry.name} message (the spec's example)`, (b) => b.withJSONContent(M.like(example)).withMetadata(metadata))
        .executeTest(async (message) => check(message.contents.content, message.metadata ?? {}));
    }
  });
}
