// Kafka topic names come from the specs: each API's Kafka channel address (generated catalogue),
// written there under the default prefix, which a configured prefix replaces.
import { catalogues, type ApiName } from '../../generated';

/** The prefix the specs' Kafka addresses are written with (`npm run generate` requires it). */
export const SPEC_TOPIC_PREFIX = 'switchyard.';

/** The topic of `api` under `prefix` (`switchyard.pizza` with the default one). */
export function kafkaTopic(api: ApiName, prefix = SPEC_TOPIC_PREFIX): string {
  return prefix + catalogues[api].topic.slice(SPEC_TOPIC_PREFIX.length);
}
