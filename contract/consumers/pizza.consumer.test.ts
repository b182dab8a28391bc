// pizza-backoffice: a store's back office taking a one-off socket ticket with contract/clients/pizza.ts and
// decoding the store's notifications from the socket.
import { MatchersV3 as M } from '@pact-foundation/pact';
import { PizzaAuthError, PizzaClient, parsePizzaFrame } from '../clients/pizza';
import { CONSUMERS, consumerPact, specMessage } from '../pact';
import { coverPublished } from '../published';
import { pizza } from './shapes';

const pact = consumerPact(CONSUMERS.pizza);
const EXAMPLE_TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJtYW5hZ2VyIiwic3RvcmVfaWQiOjF9.c2lnbmF0dXJl';
const bearer = M.fromProviderState('Bearer ${token}', `Bearer ${EXAMPLE_TOKEN}`);

describe('GET /api/v1/ws/ticket', () => {
  it('issues a one-off ticket for the socket', () =>
    pact
      .addInteraction()
      .given('a back-office user of a store is signed in', { storeId: 1 })
      .uponReceiving('a ticket request')
      .withRequest('GET', '/api/v1/ws/ticket', (b) => b.headers({ Authorization: bearer }))
      .willRespondWith(200, (b) =>
        b.jsonBody({ success: true, info: M.string('Your ws connection token is valid for 60s'), token: M.regex('^[A-Za-z0-9]+$', 'x8m1q6uLSJGYOQzXTESWc72UObD5xokh') }),
      )
      .executeTest(async (server) => {
        const ticket = await new PizzaClient({ baseUrl: server.url, token: EXAMPLE_TOKEN }).ticket();
        expect(ticket.ticket).toBe('x8m1q6uLSJGYOQzXTESWc72UObD5xokh');
        expect(ticket.socketUrl).toBe(`${server.url.replace('http', 'ws')}/ws?key=x8m1q6uLSJGYOQzXTESWc72UObD5xokh`);
      }));

  it('"Wrong authorization data" for a user without a store', () =>
    pact
      .addInteraction()
      .given('a user without a store is signed in')
      .uponReceiving('a ticket request from a user without a store')
      .withRequest('GET', '/api/v1/ws/ticket', (b) => b.headers({ Authorization: bearer }))
      .willRespondWith(401, (b) => b.jsonBody({ success: false, error: 'Wrong authorization data' }))
      .executeTest(async (server) => {
        await expect(new PizzaClient({ baseUrl: server.url, token: EXAMPLE_TOKEN }).ticket()).rejects.toEqual(
          new PizzaAuthError(401, 'Wrong authorization data'),
        );
      }));
});

describe('socket frames', () => {
  it('decodes CREATE_PIZZA', () =>
    pact
      .addAsynchronousInteraction()
      .expectsToReceive('a CREATE_PIZZA frame', (b) =>
        b.withJSONContent({ event_name: 'CREATE_PIZZA', data: pizza() }).withMetadata(specMessage('pizza', 'CREATE_PIZZA')),
      )
      .executeTest(async (message) => {
        const event = parsePizzaFrame(JSON.stringify(message.contents.content));
        expect(event.event_name === 'CREATE_PIZZA' && event.data).toMatchObject({ name: 'Margherita', store_id: 1, price: 9.5 });
      }));

  it('decodes ACCEPT_PIZZA', () =>
    pact
      .addAsynchronousInteraction()
      .expectsToReceive('an ACCEPT_PIZZA frame', (b) =>
        b.withJSONContent({ event_name: 'ACCEPT_PIZZA', data: M.eachLike(M.uuid('9b2f4a40-5c1e-4f7a-9a55-2a0c1c3f2b11')) }).withMetadata(specMessage('pizza', 'ACCEPT_PIZZA')),
      )
      .executeTest(async (message) => {
        expect(parsePizzaFrame(JSON.stringify(message.contents.content))).toEqual({
          event_name: 'ACCEPT_PIZZA',
          data: ['9b2f4a40-5c1e-4f7a-9a55-2a0c1c3f2b11'],
        });
      }));

  coverPublished(pact, 'pizza', (content) => expect(parsePizzaFrame(JSON.stringify(content))).toEqual(content));
});
