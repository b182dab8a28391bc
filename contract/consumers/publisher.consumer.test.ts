// publisher: a back-end service handing events to Switchyard with contract/clients/publish.ts.
import { MatchersV3 as M } from '@pact-foundation/pact';
import { PublishError, Publisher } from '../clients/publish';
import { CONSUMERS, consumerPact } from '../pact';
import { errorBody } from './shapes';

const pact = consumerPact(CONSUMERS.publisher);
const EXAMPLE_TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdmMiLCJzY29wZSI6InB1Ymxpc2gifQ.c2lnbmF0dXJl';
const bearer = M.fromProviderState('Bearer ${token}', `Bearer ${EXAMPLE_TOKEN}`);
const PUBLISHER_STATE = 'a service holds a token with scope publish';

const margherita = {
  uuid: '9b2f4a40-5c1e-4f7a-9a55-2a0c1c3f2b11',
  name: 'Margherita',
  store_id: 1,
  user_uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
  size: 30,
  accepted: false,
  price: 9.5,
  description: 'Tomato, mozzarella, basil',
  img_url: 'https://example.com/pizza/margherita.png',
  created_date: '2020-05-01T12:00:00Z',
  time_prepared: '2020-05-01T12:20:00Z',
};
const createPizza = (data: object) => ({ message: 'CREATE_PIZZA', to: { store_id: 1 }, data });
const publisher = (baseUrl: string, token = EXAMPLE_TOKEN) => new Publisher({ baseUrl, token });

it('202 with the envelope id', () =>
  pact
    .addInteraction()
    .given(PUBLISHER_STATE)
    .uponReceiving('a CREATE_PIZZA publish')
    .withRequest('POST', '/publish/v1/pizza', (b) => b.headers({ Authorization: bearer }).jsonBody(createPizza(margherita)))
    .willRespondWith(202, (b) => b.jsonBody({ id: M.string('01HZX3K9V7Q2M4N8P6R5T1W0YA') }))
    .executeTest(async (server) => {
      await expect(publisher(server.url).publish('pizza', 'CREATE_PIZZA', { store_id: 1 }, margherita)).resolves.toBe('01HZX3K9V7Q2M4N8P6R5T1W0YA');
    }));

it('401 without a valid token', () =>
  pact
    .addInteraction()
    .uponReceiving('a publish with an invalid token')
    .withRequest('POST', '/publish/v1/pizza', (b) => b.headers({ Authorization: 'Bearer not-a-jwt' }).jsonBody(createPizza(margherita)))
    .willRespondWith(401, (b) => b.jsonBody(errorBody('A valid bearer token is required')))
    .executeTest(async (server) => {
      await expect(publisher(server.url, 'not-a-jwt').publish('pizza', 'CREATE_PIZZA', { store_id: 1 }, margherita)).rejects.toMatchObject({ status: 401 });
    }));

it('403 with a token lacking scope publish', () =>
  pact
    .addInteraction()
    .given('a service holds a token without scope publish')
    .uponReceiving('a publish with a token lacking scope publish')
    .withRequest('POST', '/publish/v1/pizza', (b) => b.headers({ Authorization: bearer }).jsonBody(createPizza(margherita)))
    .willRespondWith(403, (b) => b.jsonBody(errorBody('The token lacks the "publish" scope')))
    .executeTest(async (server) => {
      await expect(publisher(server.url).publish('pizza', 'CREATE_PIZZA', { store_id: 1 }, margherita)).rejects.toMatchObject({ status: 403 });
    }));

it('404 for a message the spec does not make publishable (e.g. a newer spec than the gateway)', () =>
  pact
    .addInteraction()
    .given(PUBLISHER_STATE)
    .uponReceiving('a publish of an unknown message')
    .withRequest('POST', '/publish/v1/pizza', (b) =>
      b.headers({ Authorization: bearer }).jsonBody({ message: 'DELETE_PIZZA', to: { store_id: 1 }, data: { uuid: margherita.uuid } }),
    )
    .willRespondWith(404, (b) => b.jsonBody(errorBody('unknown message "DELETE_PIZZA" for api pizza')))
    .executeTest(async (server) => {
      // Not in this client's types: the spec it was generated from does not have the message.
      const unknown = 'DELETE_PIZZA' as 'CREATE_PIZZA';
      await expect(publisher(server.url).publish('pizza', unknown, { store_id: 1 }, { uuid: margherita.uuid } as typeof margherita)).rejects.toMatchObject({ status: 404 });
    }));

it('422 with the validation errors when data does not match the spec', () => {
  const { price: _price, ...withoutPrice } = margherita;
  return pact
    .addInteraction()
    .given(PUBLISHER_STATE)
    .uponReceiving('a CREATE_PIZZA publish without a price')
    .withRequest('POST', '/publish/v1/pizza', (b) => b.headers({ Authorization: bearer }).jsonBody(createPizza(withoutPrice)))
    .willRespondWith(422, (b) =>
      b.jsonBody({
        error: M.string('data does not match the spec of CREATE_PIZZA'),
        errors: M.eachLike({ instancePath: M.string('/data'), message: M.string('/data: missing required property "price"') }),
      }),
    )
    .executeTest(async (server) => {
      const failure = publisher(server.url).publish('pizza', 'CREATE_PIZZA', { store_id: 1 }, withoutPrice as typeof margherita);
      await expect(failure).rejects.toBeInstanceOf(PublishError);
      await expect(failure).rejects.toMatchObject({ status: 422, errors: [{ instancePath: '/data' }] });
    });
});

it('a batch: 200 with a result per envelope, in order', () =>
  pact
    .addInteraction()
    .given(PUBLISHER_STATE)
    .uponReceiving('a batch of a valid and an invalid ACCEPT_PIZZA')
    .withRequest('POST', '/publish/v1/pizza/batch', (b) =>
      b.headers({ Authorization: bearer }).jsonBody({
        events: [
          { message: 'ACCEPT_PIZZA', to: { store_id: 1 }, data: [margherita.uuid] },
          { message: 'ACCEPT_PIZZA', to: { store_id: 1 }, data: 'not-a-list' },
        ],
      }),
    )
    .willRespondWith(200, (b) =>
      b.jsonBody({
        results: [
          { status: 202, id: M.string('0b6f1f61-3e0b-4a39-8d8e-7d0f1b1c2a10') },
          { status: 422, error: M.string('data does not match the spec of ACCEPT_PIZZA'), errors: M.eachLike({ instancePath: M.string('/data'), message: M.string('/data: must be array') }) },
        ],
      }),
    )
    .executeTest(async (server) => {
      const results = await publisher(server.url).publishBatch('pizza', [
        { message: 'ACCEPT_PIZZA', to: { store_id: 1 }, data: [margherita.uuid] },
        { message: 'ACCEPT_PIZZA', to: { store_id: 1 }, data: 'not-a-list' as unknown as string[] },
      ]);
      expect(results.map((r) => r.status)).toEqual([202, 422]);
    }));
