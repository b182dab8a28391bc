// "Adding a server-to-client message to a spec and running `npm run generate` is all it takes":
// a temp copy of the pizza spec gains a message, generate writes a temp generated/, and a gateway
// built on those catalogues validates and delivers it with no runtime change.
import { mkdirSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Catalogues } from '../src/apis/context';
import { call, startGateway, type TestGateway } from './helpers/gateway';
import { ROOT, runGenerate } from './helpers/run-generate';
import { connect } from './helpers/ws';

const work = join(ROOT, '.tmp', `spec-driven-${process.pid}`);
let gw: TestGateway;

beforeAll(async () => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  cpSync(join(ROOT, 'specs'), join(work, 'specs'), { recursive: true });

  const file = join(work, 'specs', 'pizza.asyncapi.yaml');
  const spec = parse(readFileSync(file, 'utf8'));
  spec.channels.notifications.messages.PIZZA_BURNT = { $ref: '#/components/messages/PIZZA_BURNT' };
  spec.operations.sendPizzaBurnt = {
    action: 'send',
    channel: { $ref: '#/channels/notifications' },
    messages: [{ $ref: '#/channels/notifications/messages/PIZZA_BURNT' }],
  };
  spec.components.messages.PIZZA_BURNT = {
    name: 'PIZZA_BURNT',
    payload: { $ref: '#/components/schemas/PizzaBurntEvent' },
    'x-switchyard': { audience: ['store_id'], data: '/data' },
    examples: [{ payload: { event_name: 'PIZZA_BURNT', data: { uuid: '9b2f4a40-5c1e-4f7a-9a55-2a0c1c3f2b11', minutes_over: 7 } } }],
  };
  spec.components.schemas.PizzaBurntEvent = {
    type: 'object',
    additionalProperties: false,
    required: ['event_name', 'data'],
    properties: {
      event_name: { type: 'string', const: 'PIZZA_BURNT' },
      data: {
        type: 'object',
        additionalProperties: false,
        required: ['uuid', 'minutes_over'],
        properties: { uuid: { type: 'string', format: 'uuid' }, minutes_over: { type: 'integer', minimum: 1 } },
      },
    },
  };
  writeFileSync(file, stringify(spec));

  const r = runGenerate(['--specs', join(work, 'specs'), '--out', join(work, 'generated')]);
  if (r.status !== 0) throw new Error(`generate failed:\n${r.stderr}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { catalogues } = require(join(work, 'generated', 'index.ts')) as { catalogues: Catalogues };
  gw = await startGateway({}, { catalogues });
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  rmSync(work, { recursive: true, force: true });
});

it('publishes, validates and delivers a message that exists only in the edited spec', async () => {
  const manager = await gw.token('m', { store_id: 5 });
  const ticket = (await call(`${gw.url}/api/v1/ws/ticket`, { headers: { authorization: `Bearer ${manager}` } })).body.token;
  const socket = await connect(`${gw.url.replace('http', 'ws')}/ws?key=${ticket}`);
  const publisher = { authorization: `Bearer ${await gw.token('svc', {}, 'publish')}` };

  const bad = await call(`${gw.url}/publish/v1/pizza`, { headers: publisher, body: { message: 'PIZZA_BURNT', to: { store_id: 5 }, data: { uuid: 'x', minutes_over: 0 } } });
  expect(bad.status).toBe(422);
  expect(bad.body.errors.map((e: { instancePath: string }) => e.instancePath).sort()).toEqual(['/data/minutes_over', '/data/uuid']);

  const data = { uuid: '9b2f4a40-5c1e-4f7a-9a55-2a0c1c3f2b11', minutes_over: 7 };
  const ok = await call(`${gw.url}/publish/v1/pizza`, { headers: publisher, body: { message: 'PIZZA_BURNT', to: { store_id: 5 }, data } });
  expect(ok.status).toBe(202);
  expect(await socket.next()).toEqual({ event_name: 'PIZZA_BURNT', data });
  socket.ws.close();
});

it('the committed catalogues know nothing of it', async () => {
  const { catalogues } = await import('../generated');
  expect(Object.values(catalogues.pizza.messages).map((m) => m.name)).not.toContain('PIZZA_BURNT');
});
