// Loads @platformatic/kafka (KAFKA_CLIENT=platformatic) only when it is chosen, with a clear error
// where it cannot run: it needs Node >= 22.22 (or >= 24.6), and it is ESM-only.
import type * as Platformatic from '@platformatic/kafka';
import { platformaticSupports } from '../config';

export type PlatformaticKafka = typeof Platformatic;

/** The client library, or an error saying why it cannot be used on this Node (`version`: for tests). */
export function loadPlatformaticKafka(version = process.versions.node): PlatformaticKafka {
  if (!platformaticSupports(version)) {
    throw new Error(`KAFKA_CLIENT=platformatic needs Node >= 22.22 or >= 24.6 (@platformatic/kafka 2); this is Node ${version}. Use KAFKA_CLIENT=kafkajs (the default) on this Node, or a current Node LTS.`);
  }
  // ESM-only: Node's own require loads it (require(esm), unflagged since 22.12). The builtin comes
  // from getBuiltinModule so that Jest's module registry, which cannot load ESM, stays out of it.
  const { createRequire } = process.getBuiltinModule('node:module');
  try {
    return createRequire(__filename)('@platformatic/kafka') as PlatformaticKafka;
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw err;
    throw new Error('KAFKA_CLIENT=platformatic: @platformatic/kafka is not installed (npm install @platformatic/kafka@2), or use KAFKA_CLIENT=kafkajs', { cause: err });
  }
}
