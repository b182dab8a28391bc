// Workspace API lifecycle: socket.io shares an HTTP server it does not own; stop() closes the
// sockets (counting them out of presence) and gives the server back without closing it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Gateway } from '../src/gateway/gateway';
import { loadConfig } from '../src/config';
import { workspaceApi } from '../src/apis/workspace';
import type { Envelope } from '../src/ports/bus';
import { startGateway } from './helpers/gateway';
import { connect, member, until } from './helpers/workspace-client';
import { signToken } from '../src/auth/token';

const listen = (server: Server) =>
  new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

describe('on a server it does not own', () => {
  it('stop() disconnects sockets, announces them offline, restores the server listeners and leaves the server open', async () => {
    const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent' });
    const { context: ctx } = new Gateway({ config, log: pino({ level: 'silent' }) });
    const server = createServer((req, res) => res.end(`plain:${req.url}`));
    server.on('upgrade', () => undefined); // another API's raw WebSocket router
    const before = { request: server.listeners('request'), upgrade: server.listeners('upgrade') };

    const published: Envelope[] = [];
    await ctx.bus.subscribe('workspace', 'fanout', (e) => void published.push(e));
    const api = workspaceApi(ctx);
    await api.start!(server);
    const url = await listen(server);
    try {
      expect(await (await fetch(`${url}/other`)).text()).toBe('plain:/other');
      const client = await connect(url);
      const token = await signToken(config.authJwtSecret!, { sub: 'kim', claims: { workspaces: ['w'] } });
      await client.auth(token, 'w');

      await api.stop!();
      expect(await client.waitForDisconnect()).toBe('io server disconnect');
      expect(server.listening).toBe(true);
      expect(server.listeners('request')).toEqual(before.request);
      expect(server.listeners('upgrade')).toEqual(before.upgrade);
      // socket.io no longer answers its path: the original handler does.
      expect(await (await fetch(`${url}/socket.io/?EIO=4&transport=polling`)).text()).toBe('plain:/socket.io/?EIO=4&transport=polling');
      const statuses = () => published.filter((e) => e.message === 'online-status-updated').map((e) => e.data);
      await until(() => statuses().length === 2, 'two announcements');
      expect(statuses()).toEqual([
        { userId: 'kim', onlineStatus: 'online' },
        { userId: 'kim', onlineStatus: 'offline' },
      ]);
    } finally {
      await new Promise((r) => server.close(r));
      await ctx.bus.close();
      await ctx.store.close();
    }
  });
});

describe('gateway shutdown with connected sockets', () => {
  it('closes them without logging errors', async () => {
    const lines: Array<{ level: number; msg: string }> = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const gw = await startGateway({}, { log: pino({ level: 'debug' }, sink) });
    const a = await member(gw, 'lee', 'w-shut', { channels: ['c1'] });
    const b = await member(gw, 'max', 'w-shut');
    const anon = await connect(gw.url);
    const stopping = lines.length; // what start-up warned of (e.g. no ACTION_BACKENDS) is not the shutdown's
    await gw.stop();
    for (const c of [a, b, anon]) expect(await c.waitForDisconnect()).toBe('io server disconnect');
    expect(lines.slice(stopping).filter((l) => l.level >= 40)).toEqual([]);
  });
});
