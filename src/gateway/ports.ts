// Chooses each port's implementation from config: Kafka and Redis when configured, the in-process
// bus and in-memory store otherwise (`npm start` on a bare machine).
import type { Config } from '../config';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import { KafkaBus } from '../bus/kafka-bus';
import { MemoryBus } from '../bus/memory-bus';
import { PlatformaticKafkaBus } from '../bus/platformatic-kafka-bus';
import type { AvailabilityListener } from '../ports/availability';
import { DeadLetterError, type ApiName, type Bus } from '../ports/bus';
import type { Store } from '../ports/store';
import { MemoryStore } from '../store/memory-store';
import { RedisStore } from '../store/redis-store';

/** A bounded label for the DLQ counter. */
function deadLetterKind(reason: string): string {
  if (/^JSON nested deeper/.test(reason)) return 'too_deep';
  if (/JSON/.test(reason)) return 'invalid_json';
  if (/^unknown message/.test(reason)) return 'unknown_message';
  if (/^not a publish envelope/.test(reason)) return 'not_an_envelope';
  return 'invalid_data';
}

/** One log line and one metric change per outage and per recovery of Kafka or Redis. */
function availabilityReport(dependency: 'kafka' | 'redis', log: Logger, metrics: Metrics): AvailabilityListener {
  return {
    down(reason) {
      metrics.dependencyUp.set({ dependency }, 0);
      metrics.dependencyOutagesTotal.inc({ dependency });
      log.error({ dependency, reason }, `${dependency} is unreachable: requests that need it are answered 503 until it is back`);
    },
    up(downForMs) {
      metrics.dependencyUp.set({ dependency }, 1);
      if (downForMs === undefined) log.info({ dependency }, `${dependency} is reachable`);
      else log.info({ dependency, downForMs }, `${dependency} is reachable again after ${(downForMs / 1000).toFixed(1)} s`);
    },
  };
}

export function createBus(config: Config, log: Logger, metrics: Metrics): Bus {
  const deadLetter = (api: ApiName, reason: string) => {
    metrics.dlqRecordsTotal.inc({ api, reason: deadLetterKind(reason) });
    log.warn({ api, reason }, 'dead letter');
  };
  if (config.kafkaBrokers) {
    // PlatformaticKafkaBus loads its client when constructed: on Node < 22.22 that fails at start, saying why.
    const KafkaClientBus = config.kafkaClient === 'platformatic' ? PlatformaticKafkaBus : KafkaBus;
    return new KafkaClientBus({
      brokers: config.kafkaBrokers,
      clientId: config.kafkaClientId,
      topicPrefix: config.kafkaTopicPrefix,
      partitions: config.kafkaPartitions,
      maxJsonDepth: config.jsonMaxDepth,
      onDeadLetter: deadLetter,
      onError: (err, context) => log.warn({ err, ...context }, 'kafka'),
      timeoutMs: config.dependencyTimeoutMs,
      reconnectMs: config.dependencyReconnectMs,
      availability: availabilityReport('kafka', log, metrics),
    });
  }
  return new MemoryBus({
    onError: (err, envelope, api) => {
      if (err instanceof DeadLetterError) deadLetter(api, err.reason);
      else log.error({ err, api, id: envelope.id }, 'bus handler failed');
    },
  });
}

export function createStore(config: Config, log: Logger, metrics: Metrics): Store {
  if (!config.redisUrl) return new MemoryStore();
  return new RedisStore(config.redisUrl, {
    log,
    timeoutMs: config.dependencyTimeoutMs,
    reconnectMs: config.dependencyReconnectMs,
    availability: availabilityReport('redis', log, metrics),
    onError: (err) => log.warn({ err }, 'redis notification listener failed'),
  });
}
