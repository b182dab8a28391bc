// The request log line and the X-Request-Id header, through a real gateway.
import type { LogLevel } from '../src/config';
import type { GatewayOptions } from '../src/gateway/gateway';
import { createLogger } from '../src/log';
import { MemoryStore } from '../src/store/memory-store';
import { call, startGateway, type TestGateway } from './helpers/gateway';

interface Line {
  level: number;
  msg: string;
  [key: string]: unknown;
}

class DownStore extends MemoryStore {
  override async ready(): Promise<boolean> {
    return false;
  }
}

async function gatewayLogging(env: Record<string, string>, options: Partial<GatewayOptions> = {}): Promise<{ gw: TestGateway; lines: Line[] }> {
  const lines: Line[] = [];
  const log = createLogger({ logLevel: (env.LOG_LEVEL ?? 'debug') as LogLevel }, { write: (s: string) => lines.push(JSON.parse(s)) });
  const gw = await startGateway(env, { log, ...options });
  return { gw, lines };
}

const requests = (lines: Line[]) => lines.filter((l) => l.msg === 'request');

describe('request log', () => {
  let gw: TestGateway | undefined;
  afterEach(() => gw?.stop());

  it('logs method, route template, status, duration and a request id it also answers with', async () => {
    const started = await gatewayLogging({ API_SECRET: 'query-secret-value', POLL_TIMEOUT_MS: '1' });
    gw = started.gw;
    const res = await call(`${gw.url}/events/v1/events?clientId=c&channel=ch&secret=query-secret-value&after=0`);
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const [line] = requests(started.lines);
    expect(line).toMatchObject({ level: 30, method: 'GET', route: '/events/v1/events', status: 200, requestId: id });
    expect(typeof line.durationMs).toBe('number');
    // The route template, never the raw URL: the query carries the API secret.
    expect(JSON.stringify(started.lines)).not.toContain('query-secret-value');
  });

  it('names a request a router middleware refused (a malformed body) by its route template', async () => {
    const started = await gatewayLogging({});
    gw = started.gw;
    expect((await call(`${gw.url}/publish/v1/pizza/batch`, { body: '{"events": [' })).status).toBe(400);
    expect(requests(started.lines)).toEqual([expect.objectContaining({ method: 'POST', route: '/publish/v1/:api/batch', status: 400 })]);
  });

  it('keeps a usable X-Request-Id from the caller and replaces an unusable one', async () => {
    const started = await gatewayLogging({});
    gw = started.gw;
    const kept = await call(`${gw.url}/events/v1/about`, { headers: { 'X-Request-Id': 'lb-7f3a.42' } });
    expect(kept.headers.get('x-request-id')).toBe('lb-7f3a.42');
    const replaced = await call(`${gw.url}/events/v1/about`, { headers: { 'X-Request-Id': 'has space"quote' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const tooLong = await call(`${gw.url}/events/v1/about`, { headers: { 'X-Request-Id': 'a'.repeat(201) } });
    expect(tooLong.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(requests(started.lines).map((l) => l.requestId)).toEqual([
      'lb-7f3a.42',
      replaced.headers.get('x-request-id'),
      tooLong.headers.get('x-request-id'),
    ]);
  });

  it('names an unmatched route as such', async () => {
    const started = await gatewayLogging({});
    gw = started.gw;
    expect((await call(`${gw.url}/no/such/path/user-42`)).status).toBe(404);
    expect(requests(started.lines)).toEqual([expect.objectContaining({ route: 'unmatched', status: 404 })]);
  });

  it('writes nothing when REQUEST_LOG_LEVEL is below LOG_LEVEL, or silent', async () => {
    const envs: Record<string, string>[] = [{ LOG_LEVEL: 'info', REQUEST_LOG_LEVEL: 'debug' }, { REQUEST_LOG_LEVEL: 'silent' }];
    for (const env of envs) {
      const started = await gatewayLogging(env);
      gw = started.gw;
      const res = await call(`${gw.url}/events/v1/about`);
      expect(res.headers.get('x-request-id')).toBeTruthy();
      expect(requests(started.lines)).toEqual([]);
      await gw.stop();
      gw = undefined;
    }
  });

  it('logs successful probes at debug and failing ones at the request level', async () => {
    const started = await gatewayLogging({ REQUEST_LOG_LEVEL: 'warn' }, { store: new DownStore() });
    gw = started.gw;
    expect((await call(`${gw.url}/healthz`)).status).toBe(200);
    expect((await call(`${gw.url}/readyz`)).status).toBe(503);
    expect(requests(started.lines)).toEqual([
      expect.objectContaining({ route: '/healthz', status: 200, level: 20 }),
      expect.objectContaining({ route: '/readyz', status: 503, level: 40 }),
    ]);
  });
});
