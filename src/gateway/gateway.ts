// One gateway node: the ports chosen from config, every API module, one HTTP server, and an
// orderly shutdown. This is the composition root; everything else receives what it needs.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import { catalogues as generatedCatalogues } from '../../generated';
import { socketEndpoints, type SocketEndpoint } from '../../generated/socket-endpoints';
import type { Authenticator } from '../auth/authenticator';
import { CachingAuthenticator } from '../auth/caching-authenticator';
import { createAuthenticator } from '../auth/create-authenticator';
import { tokenRules } from '../auth/token-rules';
import type { Config } from '../config';
import { createLogger, type Logger } from '../log';
import { Metrics } from '../metrics';
import type { Bus } from '../ports/bus';
import type { Store } from '../ports/store';
import { createBus, createStore } from './ports';
import { errorBoundary, plainError } from '../http/errors';
import { parseBody } from '../http/body';
import { answerClientErrors } from '../http/client-error';
import { restCors } from '../http/cors';
import { unmatchedRequests, type RoutedApi } from '../http/methods';
import { requestLog } from '../http/request-log';
import { requestMetrics } from '../http/request-metrics';
import { refuseMalformedTargets } from '../http/request-target';
import type { ApiModule, Catalogues, GatewayContext } from '../apis/context';
import { Audiences } from '../apis/audiences';
import { ConsoleInboxes } from '../egress/console-inboxes';
import { apiModules } from './modules';
import { ConnectionLimits } from '../limits/connection-limits';
import { CONNECTION_SHARE, maxConnections, openFilesLimit } from '../limits/open-files';
import { startTracing, type Tracing } from '../tracing/setup';
import { packageVersion } from '../version';

export interface GatewayOptions {
  config: Config;
  /** Defaults to generated/; tests pass catalogues generated from a modified spec. */
  catalogues?: Catalogues;
  /** Defaults to generated/ too; given with catalogues generated from other specs. */
  socketEndpoints?: Readonly<Record<string, SocketEndpoint>>;
  bus?: Bus;
  store?: Store;
  auth?: Authenticator;
  log?: Logger;
  metrics?: Metrics;
  /** Engine.IO session ids; set for a worker of `serve --workers N` (src/cluster/). */
  sessionIds?: () => string;
}

export class Gateway {
  readonly server: Server;
  readonly context: GatewayContext;
  private readonly modules: ApiModule[];
  private readonly abort = new AbortController();
  private stopping: Promise<void> | undefined;
  /** Set when OTEL_* configure tracing (src/tracing/); stopped last, so the bus's final spans go out. */
  private readonly tracing: Tracing | undefined;

  constructor(options: GatewayOptions) {
    const { config } = options;
    const log = options.log ?? createLogger(config);
    this.tracing = config.tracing && startTracing(config.tracing, { version: packageVersion(), log });
    const metrics = options.metrics ?? new Metrics();
    const openFiles = openFilesLimit();
    const connectionLimit = maxConnections(config.wsMaxConnections, openFiles);
    if (openFiles !== undefined && connectionLimit > openFiles * CONNECTION_SHARE) {
      log.warn({ maxConnections: connectionLimit, openFiles }, 'WS_MAX_CONNECTIONS leaves too few of the open-files limit for HTTP and the services');
    }
    this.context = {
      config,
      log,
      metrics,
      bus: options.bus ?? createBus(config, log, metrics),
      store: options.store ?? createStore(config, log, metrics),
      auth: options.auth ?? new CachingAuthenticator(createAuthenticator(config, log), tokenRules(config)),
      catalogues: options.catalogues ?? generatedCatalogues,
      socketEndpoints: options.socketEndpoints ?? socketEndpoints,
      connections: new ConnectionLimits(
        { maxConnections: connectionLimit, maxConnectionsPerIp: config.wsMaxConnectionsPerIp, trustedProxies: config.trustedProxies },
        metrics,
      ),
      audiences: new Audiences(),
      inboxes: new ConsoleInboxes(),
      shutdown: this.abort.signal,
      sessionIds: options.sessionIds,
    };
    this.modules = apiModules(this.context);

    const app = new Koa();
    app.silent = true; // errors are rendered by each API's error boundary and logged there
    app.use(requestLog(log, config.requestLogLevel));
    app.use(requestMetrics(metrics));
    app.use(refuseMalformedTargets(() => metrics.badInputTotal.inc({ api: 'http', kind: 'malformed_target' })));
    app.use(restCors(config)); // before the routers and the method layer: preflights are answered here
    const routed: RoutedApi[] = [];
    for (const module of this.modules) {
      if (!module.routes) continue;
      const router = new Router();
      const format = module.errorFormat ?? plainError;
      router.use(errorBoundary(format, (err) => log.error({ err, api: module.name }, 'request failed')));
      router.use(parseBody(config.bodyLimitBytes, config.jsonMaxDepth, (kind) => metrics.badInputTotal.inc({ api: module.name, kind })));
      module.routes(router);
      app.use(router.routes());
      routed.push({ router, format });
    }
    app.use(unmatchedRequests(routed));
    this.server = createServer(app.callback());
    answerClientErrors(this.server, metrics);
  }

  /** Starts every API module, then listens; `beforeListen` runs in between (a worker waits its turn). */
  async start(beforeListen?: () => Promise<void>): Promise<AddressInfo> {
    // All at once: on Kafka each subscription waits for its consumer group (a new group: the
    // broker's group.initial.rebalance.delay.ms, 3 s by default; after a crash, the dead member's
    // session timeout), and one after another those waits made a node take 17-26 s to start.
    await Promise.all(this.modules.map((module) => module.start?.(this.server)));
    await beforeListen?.();
    const { port, host } = this.context.config;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    return this.server.address() as AddressInfo;
  }

  /** Stop accepting, answer long polls, let in-flight requests finish, close sockets, flush the bus. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const { log, config, bus, store } = this.context;
    this.abort.abort();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    for (const module of [...this.modules].reverse()) {
      await module.stop?.().catch((err: unknown) => log.error({ err, api: module.name }, 'stopping failed'));
    }
    const deadline = setTimeout(() => this.server.closeAllConnections(), config.shutdownTimeoutMs);
    await closed;
    clearTimeout(deadline);
    await bus.close().catch((err: unknown) => log.error({ err }, 'closing the bus failed'));
    await store.close().catch((err: unknown) => log.error({ err }, 'closing the store failed'));
    await this.tracing?.shutdown().catch((err: unknown) => log.error({ err }, 'exporting the last spans failed'));
  }
}
