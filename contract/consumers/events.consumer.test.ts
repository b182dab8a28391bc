// events-client: a game back end reading and emitting channel events with contract/clients/events.ts.
import { MatchersV3 as M } from '@pact-foundation/pact';
import { EventsApiError, EventsClient, parseStoredEvent } from '../clients/events';
import { CONSUMERS, consumerPact, specMessage } from '../pact';
import { restError, storedEvent } from './shapes';

const pact = consumerPact(CONSUMERS.events);
const CHANNEL = 'turngame-events';
const CLIENT_ID = 'turngame:worker-01';
/** The documented example secret; at verification the provider state supplies the real one. */
const SECRET = '0xDEADBEEF';
const secret = M.fromProviderState('${apiSecret}', SECRET);
const SECRET_STATE = 'the events API secret is shared with the client';
const moveInput = { type: 'MOVE', from: 'turngame/v1', data: [1, 2, 3] };
const move = { id: 2, ...moveInput };
/** The channel holds at least `count` events like the one given (ids 1..count, oldest first). */
const channelHas = (count: number, channel = CHANNEL) => ['channel has events', { channel, count, event: moveInput }] as const;
/** A channel nobody emits to: after its last event a poll can only time out. */
const QUIET = 'turngame-archive';

const client = (baseUrl: string, clientSecret = SECRET) => new EventsClient({ baseUrl, clientId: CLIENT_ID, secret: clientSecret });

describe('GET /events/v1/events', () => {
  it('acknowledges with `after` and reads at most `limit` events after it', () =>
    pact
      .addInteraction()
      .given(SECRET_STATE)
      .given(...channelHas(3))
      .uponReceiving('a poll acknowledging event 1 and asking for 2 events')
      .withRequest('GET', '/events/v1/events', (b) => b.query({ clientId: CLIENT_ID, channel: CHANNEL, secret, after: '1', limit: '2' }))
      .willRespondWith(200, (b) => b.jsonBody(M.atLeastLike(storedEvent(move), 2)))
      .executeTest(async (server) => {
        const events = await client(server.url).poll(CHANNEL, { after: 1, limit: 2 });
        expect(events).toHaveLength(2);
        expect(events[0]).toMatchObject({ id: 2, type: 'MOVE', from: 'turngame/v1' });
      }));

  it('reads after the stored cursor when `after` is left out', () =>
    pact
      .addInteraction()
      .given(SECRET_STATE)
      .given(...channelHas(3))
      .given('the client acknowledged events of the channel', { clientId: CLIENT_ID, channel: CHANNEL, after: 2 })
      .uponReceiving('a poll from the stored cursor')
      .withRequest('GET', '/events/v1/events', (b) => b.query({ clientId: CLIENT_ID, channel: CHANNEL, secret }))
      .willRespondWith(200, (b) => b.jsonBody(M.eachLike(storedEvent({ ...move, id: 3 }))))
      .executeTest(async (server) => {
        const [event] = await client(server.url).poll(CHANNEL);
        expect(event.id).toBe(3);
      }));

  it('is answered [] when nothing arrives before the long-poll timeout', () =>
    pact
      .addInteraction()
      .given(SECRET_STATE)
      .given(...channelHas(3, QUIET))
      .uponReceiving('a poll after the last event that times out')
      .withRequest('GET', '/events/v1/events', (b) => b.query({ clientId: CLIENT_ID, channel: QUIET, secret, after: '3' }))
      .willRespondWith(200, (b) => b.jsonBody([]))
      .executeTest(async (server) => {
        expect(await client(server.url).poll(QUIET, { after: 3 })).toEqual([]);
      }));

  it('400 Invalid Client ID when the clientId is empty', () =>
    pact
      .addInteraction()
      .given(SECRET_STATE)
      .uponReceiving('a poll without a clientId')
      .withRequest('GET', '/events/v1/events', (b) => b.query({ clientId: '', channel: CHANNEL, secret }))
      .willRespondWith(400, (b) => b.jsonBody(restError('InvalidContent', 'Invalid Client ID')))
      .executeTest(async (server) => {
        const noId = new EventsClient({ baseUrl: server.url, clientId: '', secret: SECRET });
        await expect(noId.poll(CHANNEL)).rejects.toMatchObject({ status: 400, code: 'InvalidContent', message: 'Invalid Client ID' });
      }));

  it('401 for a wrong secret', () =>
    pact
      .addInteraction()
      .uponReceiving('a poll with a wrong secret')
      .withRequest('GET', '/events/v1/events', (b) => b.query({ clientId: CLIENT_ID, channel: CHANNEL, secret: 'not-the-secret' }))
      .willRespondWith(401, (b) => b.jsonBody(restError('InvalidCredentialsError', 'Invalid credentials')))
      .executeTest(async (server) => {
        await expect(client(server.url, 'not-the-secret').poll(CHANNEL)).rejects.toEqual(new EventsApiError(401, 'InvalidCredentialsError', 'Invalid credentials'));
      }));
});

describe('GET /events/v1/latest', () => {
  it('answers the newest events of the channel, oldest first', () =>
    pact
      .addInteraction()
      .given(SECRET_STATE)
      .given(...channelHas(3))
      .uponReceiving('a request for the 2 latest events')
      .withRequest('GET', '/events/v1/latest', (b) => b.query({ channel: CHANNEL, secret, limit: '2' }))
      .willRespondWith(200, (b) => b.jsonBody(M.atLeastLike(storedEvent(move), 2)))
      .executeTest(async (server) => {
        const events = await client(server.url).latest(CHANNEL, 2);
        expect(events).toHaveLength(2);
        expect(events[0]).toMatchObject({ type: 'MOVE', from: 'turngame/v1' });
      }));
});

describe('POST /events/v1/events', () => {
  const emitted = { from: 'turngame/v1', type: 'MOVE', data: { anything: "you'd like", flag: true } };
  const body = (clientSecret: unknown, extra: Record<string, unknown> = {}) => ({ clientId: CLIENT_ID, channel: CHANNEL, secret: clientSecret, ...emitted, ...extra });

  it('stores the event and answers it with its id and timestamp', () =>
    pact
      .addInteraction()
      .given(SECRET_STATE)
      .uponReceiving('an emitted event')
      .withRequest('POST', '/events/v1/events', (b) => b.jsonBody(body(secret)))
      .willRespondWith(200, (b) => b.jsonBody(storedEvent({ id: 12, ...emitted })))
      .executeTest(async (server) => {
        const stored = await client(server.url).emit(CHANNEL, emitted);
        expect(stored).toMatchObject({ id: 12, type: 'MOVE', data: emitted.data });
      }));

  it('stores array data as it is', () =>
    pact
      .addInteraction()
      .given(SECRET_STATE)
      .uponReceiving('an emitted event whose data is an array')
      .withRequest('POST', '/events/v1/events', (b) => b.jsonBody(body(secret, { data: [1, 2, 3] })))
      .willRespondWith(200, (b) => b.jsonBody(storedEvent({ id: 12, ...emitted, data: [1, 2, 3] })))
      .executeTest(async (server) => {
        const stored = await client(server.url).emit(CHANNEL, { ...emitted, data: [1, 2, 3] });
        expect(stored.data).toEqual([1, 2, 3]);
      }));

  it('400 Invalid type when the type is empty', () =>
    pact
      .addInteraction()
      .given(SECRET_STATE)
      .uponReceiving('an emitted event without a type')
      .withRequest('POST', '/events/v1/events', (b) => b.jsonBody(body(secret, { type: '' })))
      .willRespondWith(400, (b) => b.jsonBody(restError('InvalidContent', 'Invalid type')))
      .executeTest(async (server) => {
        await expect(client(server.url).emit(CHANNEL, { ...emitted, type: '' })).rejects.toMatchObject({ status: 400, code: 'InvalidContent' });
      }));

  it('401 for a wrong secret', () =>
    pact
      .addInteraction()
      .uponReceiving('an emitted event with a wrong secret')
      .withRequest('POST', '/events/v1/events', (b) => b.jsonBody(body('not-the-secret')))
      .willRespondWith(401, (b) => b.jsonBody(restError('InvalidCredentialsError', 'Invalid credentials')))
      .executeTest(async (server) => {
        await expect(client(server.url, 'not-the-secret').emit(CHANNEL, emitted)).rejects.toMatchObject({ status: 401, code: 'InvalidCredentialsError' });
      }));
});

describe('a stored event', () => {
  it('is what a poll answer carries, decoded by the client', () =>
    pact
      .addAsynchronousInteraction()
      .given(...channelHas(1))
      .expectsToReceive('a stored event of a channel', (b) =>
        b.withJSONContent(storedEvent({ ...move, id: 1 })).withMetadata(specMessage('events', 'event')),
      )
      .executeTest(async (message) => {
        const event = parseStoredEvent(message.contents.content);
        expect(event).toMatchObject({ id: 1, type: 'MOVE', from: 'turngame/v1' });
        expect(typeof event.timestamp).toBe('number');
      }));
});
