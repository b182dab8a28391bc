// What every API module is given: the ports and the shared services of one gateway node.
import type Router from '@koa/router';
import type { Server } from 'node:http';
import type { Catalogues } from '../../generated';
import type { SocketEndpoint } from '../../generated/socket-endpoints';
import type { Authenticator } from '../auth/authenticator';
import type { Config } from '../config';
import type { ErrorFormat } from '../http/errors';
import type { ConnectionLimits } from '../limits/connection-limits';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { Bus } from '../ports/bus';
import type { Store } from '../ports/store';
import type { Audiences } from './audiences';
import type { ConsoleInboxes } from '../egress/console-inboxes';

/** The generated catalogues, typed message by message (tests may pass ones built from a modified spec). */
export type { Catalogues };

export interface GatewayContext {
  readonly config: Config;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly bus: Bus;
  readonly store: Store;
  readonly auth: Authenticator;
  readonly catalogues: Catalogues;
  /** The socket APIs their specs describe (x-switchyard on a channel), by API name. */
  readonly socketEndpoints: Readonly<Record<string, SocketEndpoint>>;
  /** Realtime connections of every API, counted against the node's and each address's limit. */
  readonly connections: ConnectionLimits;
  /** Each API's connections per audience on this node, for the console (not a metric: see audiences.ts). */
  readonly audiences: Audiences;
  /** The console's callback inboxes, delivered to in process (egress/console-inboxes.ts). */
  readonly inboxes: ConsoleInboxes;
  /** Aborted when the node starts shutting down: long polls answer at once. */
  readonly shutdown: AbortSignal;
  /**
   * Engine.IO session ids, when they must say which worker process owns them (src/cluster/);
   * default engine.io's own.
   */
  readonly sessionIds?: () => string;
}

/** One API served by the gateway: its routes, its bus subscriptions, its sockets. */
export interface ApiModule {
  readonly name: string;
  /** How this API's HTTP errors look (default `{error}`). */
  readonly errorFormat?: ErrorFormat;
  /** Adds HTTP routes. */
  routes?(router: Router): void;
  /** Subscribes to the bus, attaches socket servers; called once the HTTP server exists. */
  start?(server: Server): Promise<void>;
  /** Closes sockets and subscriptions. */
  stop?(): Promise<void>;
}
