// Starts a real gateway on a free loopback port for end-to-end tests.
import pino from 'pino';
import { Gateway, type GatewayOptions } from '../../src/gateway/gateway';
import { loadConfig, DEV_JWT_SECRET } from '../../src/config';
import { signToken } from '../../src/auth/token';

export interface TestGateway {
  gateway: Gateway;
  url: string;
  /** A token signed with the gateway's secret. */
  token(sub: string, claims?: Record<string, unknown>, scope?: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Every test client connects from 127.0.0.1, and some tests send bursts no real client would: the
 * per-address and per-socket limits are generous here unless a test sets them (test/limits.test.ts).
 */
export const GENEROUS_LIMITS = {
  WS_MAX_CONNECTIONS_PER_IP: '1000000',
  WS_MESSAGE_RATE: '1000000',
  WS_MESSAGE_BURST: '1000000',
  WS_MAX_SUBSCRIPTIONS: '10000',
} as const;

export async function startGateway(env: Record<string, string> = {}, options: Partial<GatewayOptions> = {}): Promise<TestGateway> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...GENEROUS_LIMITS, ...env });
  const gateway = new Gateway({ config, log: pino({ level: 'silent' }), ...options });
  const address = await gateway.start();
  return {
    gateway,
    url: `http://127.0.0.1:${address.port}`,
    token: (sub, claims, scope) => signToken(config.authJwtSecret ?? DEV_JWT_SECRET, { sub, claims, scope }),
    stop: () => gateway.stop(),
  };
}

/** fetch + JSON body, for brevity in tests. */
export async function call(
  url: string,
  init: { method?: string; body?: unknown; form?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; text: string; headers: Headers }> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  } else if (init.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  }
  const res = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}
