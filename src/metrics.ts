// Prometheus metrics. Each Metrics owns its Registry, so tests and several nodes in one process do not
// collide on prom-client's global registry.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop). Default true. */
  defaultMetrics?: boolean;
  /**
   * Where GET /metrics gets its text; default this registry's. A worker of `serve --workers N`
   * asks its primary, which sums every worker's registry (src/cluster/).
   */
  exposition?: (registry: Registry) => Promise<string>;
}

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequestsTotal: Counter<'route' | 'method' | 'status'>;
  readonly httpRequestDuration: Histogram<'route' | 'method' | 'status'>;
  readonly longPollsOpen: Gauge<'api'>;
  readonly eventsPublishedTotal: Counter<'api' | 'message'>;
  readonly eventsDeliveredTotal: Counter<'api' | 'message'>;
  /** outcome: e.g. 'delivered', 'failed', 'timeout', 'gave_up'. */
  readonly webhookAttemptsTotal: Counter<'outcome'>;
  readonly webhookJobsResumedTotal: Counter;
  readonly slowConsumersClosedTotal: Counter<'api'>;
  readonly dlqRecordsTotal: Counter<'api' | 'reason'>;
  readonly connectionsOpen: Gauge<'api'>;
  /**
   * limit: 'connections' | 'connections_per_ip' (refused), 'auth_timeout' (closed),
   * 'subscriptions' | 'message_rate' (request refused, or pizza: closed).
   */
  readonly limitsHitTotal: Counter<'api' | 'limit'>;
  /** Forwarded client requests (x-switchyard `forward`) by outcome: answered, not_configured, unreachable, timeout, bad_answer. */
  readonly forwardedRequestsTotal: Counter<'api' | 'action' | 'outcome'>;
  /** stage: 'registration' (answered 400) or 'delivery' (a connection not opened). */
  readonly webhookCallbacksRefusedTotal: Counter<'stage'>;
  /**
   * Input refused before an API could act on it. api: an API name, or `http` for what reaches no API
   * (a malformed request line, an upgrade to an unknown path); kind: a short fixed reason, e.g.
   * `malformed_request`, `http2_preface`, `invalid_json`, `too_deep`, `binary_frame`, `protocol_error`.
   */
  readonly badInputTotal: Counter<'api' | 'kind'>;
  /** Frames the gateway was about to send that break their spec message, so were not sent (envelopes/sendable.ts). */
  readonly outgoingInvalidTotal: Counter<'api' | 'message'>;
  /** 1 while Kafka / Redis answer, 0 during an outage. */
  readonly dependencyUp: Gauge<'dependency'>;
  readonly dependencyOutagesTotal: Counter<'dependency'>;

  private readonly exposition: (registry: Registry) => Promise<string>;

  constructor(options: MetricsOptions = {}) {
    this.exposition = options.exposition ?? ((registry) => registry.metrics());
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    this.httpRequestsTotal = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route, method and status',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.httpRequestDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds',
      labelNames: ['route', 'method', 'status'],
      // Reaches past 25 s so messenger long polls land in a real bucket rather than +Inf.
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.longPollsOpen = new Gauge({
      name: 'long_polls_open',
      help: 'Long-poll requests currently waiting',
      labelNames: ['api'],
      registers,
    });
    this.eventsPublishedTotal = new Counter({
      name: 'events_published_total',
      help: 'Events accepted for publishing',
      labelNames: ['api', 'message'],
      registers,
    });
    this.eventsDeliveredTotal = new Counter({
      name: 'events_delivered_total',
      help: 'Events delivered to clients',
      labelNames: ['api', 'message'],
      registers,
    });
    this.webhookAttemptsTotal = new Counter({
      name: 'webhook_attempts_total',
      help: 'Webhook delivery attempts by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.webhookJobsResumedTotal = new Counter({
      name: 'webhook_jobs_resumed_total',
      help: 'Pending webhook deliveries claimed after their lease ran out (their node stopped or stalled)',
      registers,
    });
    this.slowConsumersClosedTotal = new Counter({
      name: 'slow_consumers_closed_total',
      help: 'Connections closed because their send buffer overflowed',
      labelNames: ['api'],
      registers,
    });
    this.dlqRecordsTotal = new Counter({
      name: 'dlq_records_total',
      help: 'Records sent to the dead-letter topic',
      labelNames: ['api', 'reason'],
      registers,
    });
    this.connectionsOpen = new Gauge({
      name: 'connections_open',
      help: 'Open realtime connections',
      labelNames: ['api'],
      registers,
    });
    this.limitsHitTotal = new Counter({
      name: 'limits_hit_total',
      help: 'Connections refused or closed and messages refused by a configured limit',
      labelNames: ['api', 'limit'],
      registers,
    });
    this.forwardedRequestsTotal = new Counter({
      name: 'forwarded_requests_total',
      help: 'Client requests forwarded to their back-end (ACTION_BACKENDS), by outcome',
      labelNames: ['api', 'action', 'outcome'],
      registers,
    });
    this.webhookCallbacksRefusedTotal = new Counter({
      name: 'webhook_callbacks_refused_total',
      help: 'Callback URLs refused because their address is not one webhooks may reach (WEBHOOK_ALLOWED_NETWORKS)',
      labelNames: ['stage'],
      registers,
    });
    this.badInputTotal = new Counter({
      name: 'bad_input_total',
      help: 'Malformed or refused input (request lines, upgrades, bodies, frames, packets, records) by API and kind',
      labelNames: ['api', 'kind'],
      registers,
    });
    this.outgoingInvalidTotal = new Counter({
      name: 'outgoing_invalid_total',
      help: 'Frames, replies and webhook bodies not sent because they break their spec message, by API and message id',
      labelNames: ['api', 'message'],
      registers,
    });
    this.dependencyUp = new Gauge({
      name: 'dependency_up',
      help: 'Whether Kafka or Redis answers (1) or is unreachable (0)',
      labelNames: ['dependency'],
      registers,
    });
    this.dependencyOutagesTotal = new Counter({
      name: 'dependency_outages_total',
      help: 'Times Kafka or Redis became unreachable',
      labelNames: ['dependency'],
      registers,
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus exposition text for GET /metrics. */
  text(): Promise<string> {
    return this.exposition(this.registry);
  }
}
