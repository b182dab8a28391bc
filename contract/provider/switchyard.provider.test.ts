// Provider verification: every pact of provider `switchyard` against a real gateway (HTTP
// interactions, through pact's proxy, with provider states seeding its store and bus) and against the
// runtime's own message builders (message interactions). One Verifier run covers both kinds, because a
// documented client's pact holds both (pizza-backoffice: the ticket and the socket frames), and a
// broker records one verification result per pact.
import { version } from '../../package.json';
import type { TestGateway } from '../../test/helpers/gateway';
import { isMessage, readPact } from '../pact-file';
import { messageProviders } from './messages';
import { describeSource, pactFiles, pactSources } from './source';
import { stateHandlers } from './states';
import { startProvider, verify } from './verify';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startProvider();
});
afterAll(() => gw?.stop());

// pact-js only warns about a state without a handler (and runs the interaction unprepared); for the
// pacts in pacts/ a missing handler fails here, by name.
it('has a state handler and a message provider for everything the pacts in pacts/ use', () => {
  const states = stateHandlers(gw);
  const messages = messageProviders(gw);
  const missing = pactFiles().flatMap((path) => {
    const pact = readPact(path);
    return pact.interactions.flatMap((i) => [
      ...(i.providerStates ?? []).filter((s) => !Object.hasOwn(states, s.name)).map((s) => `${pact.file}: state "${s.name}"`),
      ...(isMessage(i) && !Object.hasOwn(messages, i.description) ? [`${pact.file}: message "${i.description}"`] : []),
    ]);
  });
  expect(missing).toEqual([]);
});

it.each(pactSources(process.env, version).map((source) => [describeSource(source), source] as const))('honours %s', async (_name, source) => {
  await verify(gw, source);
});
