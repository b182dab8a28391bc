// `switchyard serve` (what `npm start` runs): validated config, one node serving every API, a
// banner in dev mode, graceful shutdown on SIGTERM/SIGINT within SHUTDOWN_TIMEOUT_MS.
import { describeConfig, loadConfig } from '../config';
import { createLogger } from '../log';
import { Gateway } from '../gateway/gateway';
import { parseOptions, type Command } from './command';

const SERVE_USAGE = [
  'usage: switchyard serve',
  '',
  'Serves all five APIs on one port until SIGTERM or SIGINT. Every setting comes from the environment',
  '(PORT, HOST, NODE_ENV, AUTH_JWT_SECRET, KAFKA_BROKERS, REDIS_URL, ...: see .env.example and the',
  "README's Configuration table); a malformed one stops it with every problem listed.",
  '',
  '  -h, --help',
].join('\n');

export const serveCommand: Command = {
  summary: 'serve all five APIs (configured by environment variables; what npm start runs)',
  usage: SERVE_USAGE,
  async run(argv) {
    parseOptions(argv, {}, SERVE_USAGE);
    await runServe();
    return 0;
  },
};

export async function runServe(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfig(env); // throws ConfigError listing every problem
  const log = createLogger(config);
  const gateway = new Gateway({ config, log });
  const address = await gateway.start();
  const url = `http://${address.address}:${address.port}`;
  log.info({ url, config: describeConfig(config), maxConnections: gateway.context.connections.max }, 'switchyard is serving');
  if (config.devSecrets.length > 0) {
    process.stderr.write(
      [
        '',
        '  Switchyard is running in DEVELOPMENT mode with published dev secrets:',
        `    ${config.devSecrets.join(', ')}`,
        `  Serving all five APIs on ${url} (bus: ${config.kafkaBrokers ? 'kafka' : 'in-process'}, store: ${config.redisUrl ? 'redis' : 'in-memory'}).`,
        '  Mint a token: npx switchyard token --sub alice --claim store_id=1',
        '  Never use these secrets in production (NODE_ENV=production refuses them).',
        '',
      ].join('\n') + '\n',
    );
  }

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    log.info({ signal }, 'shutting down');
    // The gateway forces open connections closed at the deadline; this is the last resort.
    const hardStop = setTimeout(() => {
      log.error('shutdown took too long: exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 2_000);
    hardStop.unref();
    gateway.stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
