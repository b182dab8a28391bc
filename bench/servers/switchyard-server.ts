// Switchyard as it ships, in its own process: the compiled Gateway of this checkout's bench/.dist/
// (the bench builds it first, bench/lib/shipped.ts, so publish-cost --compare measures each
// checkout's own build), with dev secrets and logging silenced, so log I/O is not what gets
// measured. The environment is built here rather than read from process.env, so a KAFKA_BROKERS or
// REDIS_URL in the caller's shell cannot quietly turn this into a different benchmark: a scenario
// that wants Kafka or Redis passes them explicitly, as one JSON argument of extra environment (e.g.
// `{"KAFKA_BROKERS": "127.0.0.1:9092"}`). Without it: the in-process bus and the in-memory store.
// Every bench client connects from 127.0.0.1, so the connection and per-socket limits are raised
// out of the way: the benches measure delivery, not the limits (a scenario's extra environment may
// still set them).
import { join } from 'node:path';
import { runServerChild } from '../lib/server-child';
import { shipped } from '../lib/shipped';

const root = join(__dirname, '..', '..'); // this file's checkout, not necessarily the running bench's
const { Gateway } = require(shipped('src/gateway/gateway.js', root)) as typeof import('../../src/gateway/gateway');
const { loadConfig } = require(shipped('src/config.js', root)) as typeof import('../../src/config');

const extra = JSON.parse(process.argv[2] ?? '{}') as Record<string, string>;

const BENCH_LIMITS = {
  WS_MAX_CONNECTIONS: '1000000',
  WS_MAX_CONNECTIONS_PER_IP: '1000000',
  WS_MESSAGE_RATE: '1000000',
  WS_MESSAGE_BURST: '1000000',
};

runServerChild('switchyard-server', async () => {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', NODE_ENV: 'development', ...BENCH_LIMITS, ...extra });
  const gateway = new Gateway({ config });
  const address = await gateway.start();
  return { port: address.port, stop: () => gateway.stop() };
});
