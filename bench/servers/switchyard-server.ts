// Switchyard as it ships, in its own process: a Gateway with the in-process bus, in-memory store and
// dev secrets, logging silenced so log I/O is not what gets measured. The environment is built here
// rather than read from process.env, so a KAFKA_BROKERS or REDIS_URL in the caller's shell cannot
// quietly turn this into a different benchmark.
import { Gateway } from '../../src/gateway/gateway';
import { loadConfig } from '../../src/config';
import { runServerChild } from '../lib/server-child';

runServerChild('switchyard-server', async () => {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', NODE_ENV: 'development' });
  const gateway = new Gateway({ config });
  const address = await gateway.start();
  return { port: address.port, stop: () => gateway.stop() };
});
