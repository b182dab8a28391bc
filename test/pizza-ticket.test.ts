// GET /api/v1/ws/ticket (pizza-ticket-websocket.md), and the ticket maker on its own.
import { newTicket } from '../src/apis/pizza/ticket';
import { call, startGateway, type TestGateway } from './helpers/gateway';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ TICKET_TTL_MS: '60000' });
});
afterAll(() => gw.stop());

const ticket = (authorization?: string) => call(`${gw.url}/api/v1/ws/ticket`, { headers: authorization ? { authorization } : {} });

it('issues a one-off ticket bound to the user and store of the token', async () => {
  const token = await gw.token('alice', { store_id: 7, username: 'alice', uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6' });
  const r = await ticket(`Bearer ${token}`);
  expect(r.status).toBe(200);
  expect(r.body).toEqual({ success: true, info: 'Your ws connection token is valid for 60s', token: expect.stringMatching(/^[A-Za-z0-9]{32}$/) });
  const grant = await gw.gateway.context.store.tickets.take(r.body.token);
  expect(grant).toEqual({ user_uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6', store_id: 7, username: 'alice' });
  expect(await gw.gateway.context.store.tickets.take(r.body.token)).toBeUndefined();
});

it('binds the ticket to `uuid` when the token has one, else to `sub` (pizza.openapi.yaml: `uuid` wins, as in the original)', async () => {
  const grantOf = async (claims: Record<string, unknown>) => {
    const r = await ticket(`Bearer ${await gw.token('the-sub', { store_id: 1, ...claims })}`);
    return (await gw.gateway.context.store.tickets.take(r.body.token))?.user_uuid;
  };
  expect(await grantOf({ uuid: 'the-uuid' })).toBe('the-uuid');
  expect(await grantOf({})).toBe('the-sub');
  expect(await grantOf({ uuid: '' })).toBe('the-sub');
});

it('gives a fresh ticket each time', async () => {
  const token = await gw.token('bob', { store_id: '2' });
  const [a, b] = await Promise.all([ticket(`Bearer ${token}`), ticket(`Bearer ${token}`)]);
  expect(a.body.token).not.toBe(b.body.token);
});

it.each([
  ['no Authorization header', async () => undefined, 'Bearer realm="switchyard"'],
  ['a malformed header', async () => 'Token abc', 'Bearer realm="switchyard"'],
  ['a token signed with another secret', async () => 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4Iiwic3RvcmVfaWQiOjF9.c2lnbmF0dXJl', 'Bearer realm="switchyard", error="invalid_token"'],
  ['a valid token without store_id', async () => `Bearer ${await gw.token('carol')}`, 'Bearer realm="switchyard", error="invalid_token"'],
])('401 "Wrong authorization data" for %s, with the bearer challenge', async (_label, header, challenge) => {
  const r = await ticket(await header());
  expect(r).toMatchObject({ status: 401, body: { success: false, error: 'Wrong authorization data' } });
  expect(r.headers.get('www-authenticate')).toBe(challenge);
});

describe('newTicket (src/apis/pizza/ticket.ts)', () => {
  it('is 32 alphanumerics by default, or as many as asked for', () => {
    expect(newTicket()).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(newTicket(8)).toMatch(/^[A-Za-z0-9]{8}$/);
    expect(newTicket(0)).toBe('');
  });

  it('draws from all 62 characters, and does not repeat itself', () => {
    const tickets = Array.from({ length: 2_000 }, () => newTicket());
    expect(new Set(tickets).size).toBe(tickets.length);
    // 64,000 draws: each of 62 characters turns up (a miss has odds far below 1e-400).
    expect(new Set(tickets.join('')).size).toBe(62);
  });
});
