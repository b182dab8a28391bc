// Kafka outages: a node started while its broker is down serves HTTP, reports not ready and
// retries; once the broker is up it becomes ready and delivers. A broker restart while running
// is survived: the bus reconnects and delivery resumes.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { call, startGateway, type TestGateway } from './helpers/gateway';
import { freePort, ROOT } from './helpers/process';
import { waitFor } from './helpers/wait';
import { connect, type TestSocket } from './helpers/ws';
import { describeWithKafka } from './services/services';

jest.setTimeout(240_000);

describeWithKafka('Kafka outages', () => {
  const state = mkdtempSync(join(tmpdir(), 'switchyard-outage-'));
  // Asynchronous: the gateway under test runs in this process, and a synchronous child would stop
  // its event loop for the broker's whole start (its keep-alive sockets then close under the client).
  const kafka = (command: string, env: Record<string, string> = {}) =>
    promisify(execFile)('bash', [join(ROOT, 'scripts', 'kafka.sh'), command], {
      env: { ...process.env, KAFKA_STATE_DIR: state, ...env },
      encoding: 'utf8',
      timeout: 180_000,
    });
  let gw: TestGateway;
  let port: number;

  const readyz = async () => (await call(`${gw.url}/readyz`)).status;
  const publisher = async () => ({ authorization: `Bearer ${await gw.token('svc', {}, 'publish')}` });
  async function storeSocket(storeId: number): Promise<TestSocket> {
    const manager = await gw.token('m', { store_id: storeId });
    const ticket = (await call(`${gw.url}/api/v1/ws/ticket`, { headers: { authorization: `Bearer ${manager}` } })).body.token;
    return connect(`${gw.url.replace('http', 'ws')}/ws?key=${ticket}`);
  }
  /** Publishes until the socket hears it: records published while consumers rejoin may be missed. */
  async function deliveredEventually(socket: TestSocket, storeId: number): Promise<void> {
    const headers = await publisher();
    await waitFor(async () => {
      const r = await call(`${gw.url}/publish/v1/pizza`, { headers, body: { message: 'ACCEPT_PIZZA', to: { store_id: storeId }, data: [] } });
      if (r.status !== 202) return false;
      return socket.frames.length > 0 || (await new Promise((res) => setTimeout(() => res(socket.frames.length > 0), 500)));
    }, 'a delivery through Kafka', 120_000);
  }

  beforeAll(async () => {
    port = await freePort();
    gw = await startGateway({ KAFKA_BROKERS: `127.0.0.1:${port}`, KAFKA_TOPIC_PREFIX: `outage.${port}.`, KAFKA_CLIENT_ID: `outage-${port}` });
  });
  afterAll(async () => {
    await gw?.stop();
    try {
      await kafka('stop');
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });

  it('starts with the broker down: serves HTTP, is not ready, then becomes ready and delivers', async () => {
    expect((await call(`${gw.url}/healthz`)).status).toBe(200);
    expect(await readyz()).toBe(503);
    await kafka('start', { KAFKA_PORT: String(port) });
    await waitFor(async () => (await readyz()) === 200, 'readiness after the broker came up', 120_000);
    const socket = await storeSocket(1);
    await deliveredEventually(socket, 1);
    socket.ws.close();
  });

  it('survives a broker restart: delivery resumes', async () => {
    const socket = await storeSocket(2);
    await deliveredEventually(socket, 2);
    await kafka('restart');
    socket.frames.length = 0;
    await deliveredEventually(socket, 2);
    socket.ws.close();
  });
});
