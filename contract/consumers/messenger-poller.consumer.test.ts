// messenger-poller: a client without a public URL, long-polling for its user's events with
// contract/clients/messenger.ts (form-encoded, as the original clients).
import { MatchersV3 as M } from '@pact-foundation/pact';
import { MessengerClient, parsePollAnswer } from '../clients/messenger';
import { CONSUMERS, consumerPact, formBody, specMessage } from '../pact';
import { callbackDeprecated, codeError, newMessage } from './shapes';

const pact = consumerPact(CONSUMERS.messengerPoller);
const USER = 2;
const EXAMPLE_TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIyIn0.c2lnbmF0dXJl';
const token = M.fromProviderState('${token}', EXAMPLE_TOKEN);
const user = { userId: String(USER) };
const signedIn = ['user is signed in', user] as const;

const client = (baseUrl: string, encoding: 'form' | 'json' = 'form', userToken = EXAMPLE_TOKEN) => new MessengerClient({ baseUrl, token: userToken, encoding });

describe('POST /events/polling', () => {
  it('answers the queued event with code 10', () =>
    pact
      .addInteraction()
      .given(...signedIn)
      .given('user has a queued new_message', user)
      .uponReceiving('a poll while a new_message is queued')
      .withRequest('POST', '/events/polling', (b) => formBody(b, { token }))
      .willRespondWith(200, (b) => b.jsonBody({ code: 10, type: 'new_message', event: newMessage(USER) }))
      .executeTest(async (server) => {
        const event = await client(server.url).poll();
        expect(event?.type === 'new_message' && event.event.to_id).toBe(USER);
      }));

  it('answers 204 without a body when nothing arrives in time (JSON body)', () =>
    pact
      .addInteraction()
      .given(...signedIn)
      .given('user has nothing queued', user)
      .uponReceiving('a poll that times out')
      .withRequest('POST', '/events/polling', (b) => b.jsonBody({ token }))
      .willRespondWith(204, (b) => b.headers({ 'X-Poll-Timeout': M.regex('^no event for this user within [0-9]+ ms; poll again$', 'no event for this user within 25000 ms; poll again') }))
      .executeTest(async (server) => {
        await expect(client(server.url, 'json').poll()).resolves.toBeUndefined();
      }));

  it('-3 Parameters are invalid without a token', () =>
    pact
      .addInteraction()
      .uponReceiving('a poll without a token')
      .withRequest('POST', '/events/polling', (b) => formBody(b, { token: '' }))
      .willRespondWith(400, (b) => b.jsonBody(codeError(-3, 'Parameters are invalid')))
      .executeTest(async (server) => {
        await expect(client(server.url, 'form', '').poll()).rejects.toMatchObject({ status: 400, code: -3 });
      }));

  it('-1 Invalid token for a token that does not verify', () =>
    pact
      .addInteraction()
      .uponReceiving('a poll with an invalid token')
      .withRequest('POST', '/events/polling', (b) => formBody(b, { token: 'not-a-jwt' }))
      .willRespondWith(401, (b) => b.jsonBody(codeError(-1, 'Invalid token')))
      .executeTest(async (server) => {
        await expect(client(server.url, 'form', 'not-a-jwt').poll()).rejects.toMatchObject({ status: 401, code: -1 });
      }));
});

describe('poll answers', () => {
  it('decodes new_message', () =>
    pact
      .addAsynchronousInteraction()
      .given('user has a queued new_message', user)
      .expectsToReceive('a poll answer carrying new_message', (b) =>
        b.withJSONContent({ code: 10, type: 'new_message', event: newMessage(USER) }).withMetadata(specMessage('messenger', 'polling-event')),
      )
      .executeTest(async (message) => {
        expect(parsePollAnswer(message.contents.content)).toMatchObject({ type: 'new_message', event: { to_id: USER } });
      }));

  it('decodes callback_deprecated', () =>
    pact
      .addAsynchronousInteraction()
      .given('user has a queued callback_deprecated', user)
      .expectsToReceive('a poll answer carrying callback_deprecated', (b) =>
        b.withJSONContent({ code: 10, type: 'callback_deprecated', event: callbackDeprecated() }).withMetadata(specMessage('messenger', 'polling-event')),
      )
      .executeTest(async (message) => {
        expect(parsePollAnswer(message.contents.content)).toMatchObject({ type: 'callback_deprecated' });
      }));
});
