// messenger-webhook-receiver: a user's server that registers its callback URL with
// contract/clients/messenger.ts and decodes the `{type, event}` bodies Switchyard POSTs to it.
import { MatchersV3 as M } from '@pact-foundation/pact';
import { MessengerClient, MessengerError, parseMessengerEvent } from '../clients/messenger';
import { CONSUMERS, consumerPact, formBody, specMessage } from '../pact';
import { callbackDeprecated, codeError, newMessage } from './shapes';

const pact = consumerPact(CONSUMERS.messengerWebhooks);
const USER = 1;
const CALLBACK = 'https://203.0.113.10:8443/';
/** A JWT of the user's identity service; at verification the provider state mints a valid one. */
const EXAMPLE_TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
const token = M.fromProviderState('${token}', EXAMPLE_TOKEN);
const signedIn = ['user is signed in', { userId: String(USER) }] as const;

const client = (baseUrl: string, encoding: 'form' | 'json', userToken = EXAMPLE_TOKEN) => new MessengerClient({ baseUrl, token: userToken, encoding });

describe('POST /events/callback/start', () => {
  it('registers the callback URL (JSON body)', () =>
    pact
      .addInteraction()
      .given(...signedIn)
      .uponReceiving('a callback registration as JSON')
      .withRequest('POST', '/events/callback/start', (b) => b.jsonBody({ token, callback: CALLBACK }))
      .willRespondWith(200, (b) => b.jsonBody({ code: 10 }))
      .executeTest(async (server) => {
        await expect(client(server.url, 'json').startCallback(CALLBACK)).resolves.toBeUndefined();
      }));

  it('registers the callback URL (form-encoded body, as the original clients send it)', () =>
    pact
      .addInteraction()
      .given(...signedIn)
      .uponReceiving('a callback registration as a form')
      .withRequest('POST', '/events/callback/start', (b) => formBody(b, { token, callback: CALLBACK }))
      .willRespondWith(200, (b) => b.jsonBody({ code: 10 }))
      .executeTest(async (server) => {
        await expect(client(server.url, 'form').startCallback(CALLBACK)).resolves.toBeUndefined();
      }));

  it('-3 Parameters are invalid for a callback that is not an http(s) URL', () =>
    pact
      .addInteraction()
      .given(...signedIn)
      .uponReceiving('a callback registration with an invalid URL')
      .withRequest('POST', '/events/callback/start', (b) => formBody(b, { token, callback: 'ftp://203.0.113.10/' }))
      .willRespondWith(400, (b) => b.jsonBody(codeError(-3, 'Parameters are invalid')))
      .executeTest(async (server) => {
        await expect(client(server.url, 'form').startCallback('ftp://203.0.113.10/')).rejects.toEqual(
          new MessengerError(400, -3, 'Parameters are invalid'),
        );
      }));

  it('-1 Invalid token for a token that does not verify', () =>
    pact
      .addInteraction()
      .uponReceiving('a callback registration with an invalid token')
      .withRequest('POST', '/events/callback/start', (b) => formBody(b, { token: 'not-a-jwt', callback: CALLBACK }))
      .willRespondWith(401, (b) => b.jsonBody(codeError(-1, 'Invalid token')))
      .executeTest(async (server) => {
        await expect(client(server.url, 'form', 'not-a-jwt').startCallback(CALLBACK)).rejects.toMatchObject({ status: 401, code: -1 });
      }));
});

describe('events POSTed to the callback URL', () => {
  it('decodes new_message', () =>
    pact
      .addAsynchronousInteraction()
      .expectsToReceive('a new_message webhook body', (b) =>
        b.withJSONContent({ type: 'new_message', event: newMessage(USER) }).withMetadata(specMessage('messenger', 'new_message')),
      )
      .executeTest(async (message) => {
        const event = parseMessengerEvent(message.contents.content);
        expect(event.type).toBe('new_message');
        expect(event.type === 'new_message' && event.event.to_id).toBe(USER);
      }));

  it('decodes callback_deprecated, sent to the URL being replaced', () =>
    pact
      .addAsynchronousInteraction()
      .expectsToReceive('a callback_deprecated webhook body', (b) =>
        b.withJSONContent({ type: 'callback_deprecated', event: callbackDeprecated() }).withMetadata(specMessage('messenger', 'callback_deprecated')),
      )
      .executeTest(async (message) => {
        const event = parseMessengerEvent(message.contents.content);
        expect(event).toEqual({ type: 'callback_deprecated', event: { old_callback: 'https://203.0.113.10:8443/', new_callback: 'https://198.51.100.7:8443/events' } });
      }));
});
