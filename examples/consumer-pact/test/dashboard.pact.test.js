// The dashboard's Pact consumer test against provider "switchyard". The conventions it follows
// (Switchyard's docs/consumer-contracts.md): message interactions carry metadata {api, message};
// tokens and secrets come from the documented provider states through fromProviderState.
const assert = require('node:assert/strict');
const path = require('node:path');
const { describe, it } = require('node:test');
const { PactV4, MatchersV3: M } = require('@pact-foundation/pact');
const { socketTicket, notification, pollEvents } = require('../src/dashboard');

const pact = new PactV4({
  consumer: 'pizza-dashboard',
  provider: 'switchyard',
  dir: process.env.PACT_DIR || path.join(__dirname, '..', 'pacts'),
  logLevel: 'warn',
});

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYW5hZ2VyIiwic3RvcmVfaWQiOjF9.c2ln';
const ISO = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$';

describe('the pizza socket', () => {
  it('takes a one-off ticket for the store socket', () =>
    pact
      .addInteraction()
      .given('a back-office user of a store is signed in', { storeId: 1 })
      .uponReceiving('a socket ticket for the store dashboard')
      .withRequest('GET', '/api/v1/ws/ticket', (b) => b.headers({ Authorization: M.fromProviderState('Bearer ${token}', `Bearer ${TOKEN}`) }))
      .willRespondWith(200, (b) => b.jsonBody({ success: true, token: M.regex('^[A-Za-z0-9]+$', 'x8m1q6uLSJGYOQzXTESWc72UObD5xokh') }))
      .executeTest(async (server) => {
        assert.equal(await socketTicket(server.url, TOKEN), `${server.url.replace('http', 'ws')}/ws?key=x8m1q6uLSJGYOQzXTESWc72UObD5xokh`);
      }));

  it('shows a new order', () =>
    pact
      .addAsynchronousInteraction()
      .expectsToReceive('a new order on the store socket', (b) =>
        b
          .withJSONContent({
            event_name: 'CREATE_PIZZA',
            data: { name: M.string('Margherita'), size: M.integer(30), price: M.number(9.5), created_date: M.regex(ISO, '2020-05-01T12:00:00Z') },
          })
          .withMetadata({ api: 'pizza', message: 'CREATE_PIZZA' }),
      )
      .executeTest(async (message) => {
        assert.deepEqual(notification(JSON.stringify(message.contents.content)), { kind: 'new order', title: 'Margherita (30 cm)', price: 9.5 });
      }));

  it('shows accepted orders', () =>
    pact
      .addAsynchronousInteraction()
      .expectsToReceive('an ACCEPT_PIZZA notification on the store socket', (b) =>
        b
          .withJSONContent({ event_name: 'ACCEPT_PIZZA', data: M.eachLike(M.uuid('9b2f4a40-5c1e-4f7a-9a55-2a0c1c3f2b11')) })
          .withMetadata({ api: 'pizza', message: 'ACCEPT_PIZZA' }),
      )
      .executeTest(async (message) => {
        assert.deepEqual(notification(JSON.stringify(message.contents.content)), { kind: 'accepted', orders: ['9b2f4a40-5c1e-4f7a-9a55-2a0c1c3f2b11'] });
      }));
});

describe('the events API', () => {
  const channel = 'store-1-orders';
  const clientId = 'pizza-dashboard:store-1';
  const secret = M.fromProviderState('${apiSecret}', 'example-secret');

  it('reads the events of the store channel', () =>
    pact
      .addInteraction()
      .given('the events API secret is shared with the client')
      .given('channel has events', { channel, count: 2, event: { type: 'ORDER_READY', from: 'kitchen/v1', data: { order: 7 } } })
      .uponReceiving('a poll of the store channel from the start')
      .withRequest('GET', '/events/v1/events', (b) => b.query({ clientId, channel, secret, after: '0' }))
      .willRespondWith(200, (b) =>
        b.jsonBody(M.atLeastLike({ id: M.integer(1), timestamp: M.integer(1429084002258), type: M.string('ORDER_READY'), data: M.like({ order: 7 }) }, 2)),
      )
      .executeTest(async (server) => {
        const events = await pollEvents(server.url, { clientId, channel, secret: 'example-secret', after: 0 });
        assert.deepEqual(events[0], { id: 1, at: new Date(1429084002258), type: 'ORDER_READY', data: { order: 7 } });
      }));
});
