// `switchyard serve` (what `npm start` runs): validated config, every API served on one port by one
// process or by WORKERS processes (src/cluster/), a banner in dev mode, graceful shutdown on
// SIGTERM/SIGINT within SHUTDOWN_TIMEOUT_MS.
import cluster from 'node:cluster';
import { describeConfig, loadConfig, type Config } from '../config';
import { createLogger, type Logger } from '../log';
import { Gateway } from '../gateway/gateway';
import { runPrimary } from '../cluster/primary';
import { routeSessionsToOwners, workerSessionId } from '../cluster/session-affinity';
import { listenGranted, workerMetrics } from '../cluster/worker';
import { takeWorkerPlace } from '../cluster/worker-messages';
import { parseOptions, type Command } from './command';

const SERVE_USAGE = [
  'usage: switchyard serve [--workers N]',
  '',
  'Serves all five APIs on one port until SIGTERM or SIGINT. Every setting comes from the environment',
  '(PORT, HOST, NODE_ENV, AUTH_JWT_SECRET, KAFKA_BROKERS, REDIS_URL, ...: see .env.example and the',
  "README's Configuration table); a malformed one stops it with every problem listed.",
  '',
  '  -w, --workers N  processes sharing the port (as WORKERS; default: one per core with Kafka and',
  '                   Redis configured, else 1; more than 1 needs both)',
  '  -h, --help',
].join('\n');

export const serveCommand: Command = {
  summary: 'serve all five APIs (configured by environment variables; what npm start runs)',
  usage: SERVE_USAGE,
  async run(argv) {
    const { workers } = parseOptions(argv, { workers: { type: 'string', short: 'w' } }, SERVE_USAGE);
    await runServe(workers === undefined ? process.env : { ...process.env, WORKERS: workers });
    return 0;
  },
};

export async function runServe(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const place = cluster.isWorker ? takeWorkerPlace(env) : undefined;
  const config = loadConfig(env); // throws ConfigError listing every problem
  if (place) return serveWorker(config, place);
  const log = createLogger(config);
  if (config.workers > 1) {
    await runPrimary({ workers: config.workers, log, stopTimeoutMs: config.shutdownTimeoutMs + 5_000 });
    const url = `http://${config.host}:${config.port}`;
    log.info({ url, workers: config.workers, config: describeConfig(config) }, 'switchyard is serving');
    return printBanner(config, url);
  }
  const gateway = new Gateway({ config, log });
  const address = await gateway.start();
  const url = `http://${address.address}:${address.port}`;
  log.info({ url, config: describeConfig(config), maxConnections: gateway.context.connections.max }, 'switchyard is serving');
  printBanner(config, url);
  stopOnSignals(gateway, config, log, ['SIGTERM', 'SIGINT']);
}

/**
 * One of the primary's workers: a whole node whose /metrics is every worker's sum and whose
 * Engine.IO sessions reach it wherever their requests land. It stops on the primary's SIGTERM or
 * when the primary is gone; SIGINT (a terminal's Ctrl-C reaches every process) is the primary's.
 */
async function serveWorker(config: Config, { index, group }: { index: number; group: string }): Promise<void> {
  const log = createLogger(config).child({ worker: index });
  const gateway = new Gateway({ config, log, metrics: workerMetrics(), sessionIds: workerSessionId(index) });
  await gateway.start(async () => {
    // Sessions are forwarded here from the moment this worker takes connections (session-affinity.ts).
    const forwarding = await routeSessionsToOwners(gateway.server, group, index, { idleTimeoutMs: config.wsPingIntervalMs + config.wsPongTimeoutMs + 5_000 });
    gateway.context.shutdown.addEventListener('abort', () => forwarding.close());
    await listenGranted();
  });
  log.info({ maxConnections: gateway.context.connections.max }, 'worker is serving');
  process.on('SIGINT', () => undefined);
  const stop = stopOnSignals(gateway, config, log, ['SIGTERM']);
  process.on('disconnect', () => stop('SIGTERM'));
}

function printBanner(config: Config, url: string): void {
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
}

/** Stops the gateway on `signals`, and exits; returns the stop, for other reasons to stop. */
function stopOnSignals(gateway: Gateway, config: Config, log: Logger, signals: NodeJS.Signals[]): (reason: NodeJS.Signals) => void {
  let received = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++received > 1) {
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
  for (const signal of signals) process.on(signal, onSignal);
  return onSignal;
}
