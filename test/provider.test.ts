// The throwaway provider a verification runs against: its own secrets, the embedded bus and store
// whatever the caller's environment says, and short long polls.
import { startProvider } from '../src/pact-verification/provider';

it("is built from its own settings: KAFKA_BROKERS and REDIS_URL in the caller's environment are not used", async () => {
  const saved = { KAFKA_BROKERS: process.env.KAFKA_BROKERS, REDIS_URL: process.env.REDIS_URL, AUTH_JWT_SECRET: process.env.AUTH_JWT_SECRET };
  Object.assign(process.env, { KAFKA_BROKERS: '127.0.0.1:1', REDIS_URL: 'redis://127.0.0.1:1', AUTH_JWT_SECRET: 'from-the-operator-environment-0123456789' });
  const [a, b] = await Promise.all([startProvider(), startProvider()]);
  try {
    for (const p of [a, b]) {
      expect(p.context.config).toMatchObject({ kafkaBrokers: undefined, redisUrl: undefined, host: '127.0.0.1' });
      expect(p.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(p.context.config.authJwtSecret).not.toBe(process.env.AUTH_JWT_SECRET);
      expect((await fetch(`${p.url}/healthz`)).status).toBe(200);
    }
    // Secrets of its own, each time.
    expect(a.context.config.authJwtSecret).not.toBe(b.context.config.authJwtSecret);
    expect(a.context.config.apiSecret).not.toBe(b.context.config.apiSecret);
    // A token it signs is one the provider accepts, and the other provider refuses.
    const poll = (url: string, token: string) => fetch(`${url}/events/polling`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    const token = await a.token('9');
    expect((await poll(a.url, token)).status).toBe(204);
    expect((await poll(b.url, token)).status).toBe(401);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});
