// Verification can fail: a gateway whose output drifted from what a consumer relies on is rejected,
// even when its spec drifted along (so its own validators let the changed frame through).
import Ajv from 'ajv';
import { catalogues } from '../../generated';
import type { Catalogues } from '../../src/apis/context';
import { startProvider, type Provider } from '../../src/pact-verification/provider';
import { localSource } from '../../src/pact-verification/sources';
import { verifySource } from '../../src/pact-verification/verify';
import { CONSUMERS, pactFile } from '../pact';

/** The catalogues of a runtime that renamed pizza's CREATE_PIZZA frames to PIZZA_CREATED. */
function renamedCreatePizza(): Catalogues {
  const { pizza } = catalogues;
  const drifted = { ...pizza.messages.CREATE_PIZZA, consts: { '/event_name': 'PIZZA_CREATED' }, validate: new Ajv().compile(true) };
  // A runtime that drifted from its spec: the generated literal types no longer describe it.
  return { ...catalogues, pizza: { ...pizza, messages: { ...pizza.messages, CREATE_PIZZA: drifted } } } as unknown as Catalogues;
}

let provider: Provider;
beforeAll(async () => {
  provider = await startProvider({ catalogues: renamedCreatePizza() });
});
afterAll(() => provider?.stop());

it('rejects the pizza pact, naming the one interaction whose frame changed and the field', async () => {
  const result = await verifySource(provider, localSource([pactFile(CONSUMERS.pizza)]));
  expect(result.passed).toBe(false);
  expect(result.failures).toEqual([{ interaction: 'pizza-backoffice "a CREATE_PIZZA frame"', problems: [expect.stringMatching(/^\$\.event_name: /)] }]);
});
