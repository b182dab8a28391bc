// Provider verification: every pact in pacts/ against a throwaway gateway (HTTP interactions, through
// pact's proxy, with provider states seeding its store and bus) and against the runtime's own message
// producers (message interactions, chosen by their `{api, message}` metadata), one run per file so a
// failure names its consumer. These local runs never talk to a broker, whatever the environment
// says; the broker's selection is a run of its own, only with PACT_BROKER_BASE_URL.
import { version } from '../../package.json';
import { readPact } from '../../src/pact-verification/pact-file';
import { startProvider, type Provider } from '../../src/pact-verification/provider';
import { brokerSourceFromEnv, localSource, pactFiles } from '../../src/pact-verification/sources';
import { precheck, verifySource } from '../../src/pact-verification/verify';
import { PACTS_DIR } from '../pact';

let provider: Provider;
beforeAll(async () => {
  provider = await startProvider();
});
afterAll(() => provider?.stop());

// pact-js only warns about a state without a handler (and runs the interaction unprepared); here a
// state, or a message, the provider cannot produce fails by name.
it('has a state handler and a message producer for everything the pacts in pacts/ use, and they fit the specs', () => {
  expect(precheck(pactFiles(PACTS_DIR).map(readPact), provider)).toEqual([]);
});

it.each(pactFiles(PACTS_DIR).map((file) => [file.split('/').pop()!, file] as const))('honours %s', async (_name, file) => {
  const result = await verifySource(provider, localSource([file]));
  expect(result.failures).toEqual([]);
  expect(result.passed).toBe(true);
});

const broker = brokerSourceFromEnv(process.env, version);
(broker ? it : it.skip)('honours the pacts selected on the broker of PACT_BROKER_BASE_URL', async () => {
  const result = await verifySource(provider, broker!);
  expect(result.failures).toEqual([]);
  expect(result.passed).toBe(true);
});
