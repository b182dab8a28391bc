// The provider a verification runs against: a throwaway gateway on a free loopback port with the
// embedded bus and store, secrets of its own (a pact takes them from provider states, never from the
// operator's environment), short long-poll timeouts, and limits no verifier reaches.
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { signToken } from '../auth/token';
import { loadConfig } from '../config';
import { Gateway, type GatewayOptions } from '../gateway/gateway';
import type { GatewayContext } from '../apis/context';

export interface Provider {
  context: GatewayContext;
  url: string;
  /** A JWT signed with the provider's secret. */
  token(sub: string, claims?: Record<string, unknown>, scope?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startProvider(options: Omit<GatewayOptions, 'config'> = {}): Promise<Provider> {
  const jwtSecret = randomBytes(16).toString('hex');
  // Built from these settings alone: KAFKA_BROKERS or REDIS_URL in the caller's environment must not
  // turn a throwaway gateway into a client of real services.
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    AUTH_JWT_SECRET: jwtSecret,
    API_SECRET: randomBytes(16).toString('hex'),
    POLL_TIMEOUT_MS: '300',
    MESSENGER_POLL_TIMEOUT_MS: '300',
    WS_MAX_CONNECTIONS_PER_IP: '1000000',
    WS_MESSAGE_RATE: '1000000',
    WS_MESSAGE_BURST: '1000000',
  });
  const gateway = new Gateway({ config, log: pino({ level: 'silent' }), ...options });
  const { port } = await gateway.start();
  return {
    context: gateway.context,
    url: `http://127.0.0.1:${port}`,
    token: (sub, claims, scope) => signToken(jwtSecret, { sub, claims, scope }),
    stop: () => gateway.stop(),
  };
}
