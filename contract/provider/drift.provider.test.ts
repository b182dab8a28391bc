// Verification can fail: a gateway whose output drifted from what a consumer relies on is rejected,
// even when its spec drifted along (so its own validators let the changed frame through).
import Ajv from 'ajv';
import { catalogues } from '../../generated';
import type { Catalogues } from '../../src/gateway/context';
import type { TestGateway } from '../../test/helpers/gateway';
import { CONSUMERS, pactFile } from '../pact';
import { startProvider, verify } from './verify';

/** The catalogues of a runtime that renamed pizza's CREATE_PIZZA frames to PIZZA_CREATED. */
function renamedCreatePizza(): Catalogues {
  const { pizza } = catalogues;
  const drifted = { ...pizza.messages.CREATE_PIZZA, consts: { '/event_name': 'PIZZA_CREATED' }, validate: new Ajv().compile(true) };
  return { ...catalogues, pizza: { ...pizza, messages: { ...pizza.messages, CREATE_PIZZA: drifted } } };
}

let gw: TestGateway;
beforeAll(async () => {
  gw = await startProvider({ catalogues: renamedCreatePizza() });
});
afterAll(() => gw?.stop());

it('rejects the pizza pact, naming the one interaction whose frame changed', async () => {
  const error = await verify(gw, { pactUrls: [pactFile(CONSUMERS.pizza)] }).then(
    () => undefined,
    (e: Error) => e,
  );
  expect(error).toBeInstanceOf(Error);
  // The native verifier rejects with its JSON report.
  const report = JSON.parse(error!.message) as { errors: Array<{ interaction: string; mismatch: { mismatches: Array<{ path?: string }> } }> };
  expect(report.errors.map((e) => e.interaction)).toEqual(['Verifying a pact between pizza-backoffice and switchyard - a CREATE_PIZZA frame']);
  expect(report.errors[0].mismatch.mismatches.map((m) => m.path)).toEqual(['$.event_name']);
});
