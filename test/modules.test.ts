// Which API modules a gateway node serves, and in what order (src/gateway/modules.ts), on a real
// gateway context (built, never started).
import pino from 'pino';
import { catalogues } from '../generated';
import type { SocketEndpoint } from '../generated/socket-endpoints';
import type { GatewayContext } from '../src/apis/context';
import { loadConfig } from '../src/config';
import { Gateway } from '../src/gateway/gateway';
import { apiModules } from '../src/gateway/modules';

const endpoint = (path: string): SocketEndpoint => ({
  path,
  audience: 'store_id',
  from: { query: 'store_id' },
  token: ['query'],
  actions: {},
  error: null,
  correlation: null,
});

let gateway: Gateway;
beforeEach(() => {
  gateway = new Gateway({ config: loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }), log: pino({ level: 'silent' }) });
});
afterEach(() => gateway.stop());

const names = (ctx: GatewayContext) => apiModules(ctx).map((m) => m.name);

it('mounts ops and publish first, the hand-written APIs next, and the web pages last', () => {
  expect(names(gateway.context)).toEqual(['ops', 'publish', 'events', 'pizza', 'games', 'messenger', 'workspace', 'web']);
});

it('serves a spec socket API for an endpoint no hand-written module serves, before the console', () => {
  const ctx: GatewayContext = {
    ...gateway.context,
    catalogues: { ...catalogues, notifications: catalogues.pizza } as GatewayContext['catalogues'],
    socketEndpoints: { notifications: endpoint('/notifications') },
  };
  expect(names(ctx)).toEqual(['ops', 'publish', 'events', 'pizza', 'games', 'messenger', 'workspace', 'notifications', 'web']);
});

it('does not serve a spec socket API twice when a hand-written module serves it, nor one without a catalogue', () => {
  const ctx: GatewayContext = {
    ...gateway.context,
    socketEndpoints: { pizza: endpoint('/pizza-again'), nowhere: endpoint('/nowhere') },
  };
  expect(names(ctx)).toEqual(['ops', 'publish', 'events', 'pizza', 'games', 'messenger', 'workspace', 'web']);
});
