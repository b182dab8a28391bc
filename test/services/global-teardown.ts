/**
 * Jest globalTeardown: stop the Kafka / Redis instances that global-setup.ts started
 * (never ones that were given through KAFKA_BROKERS / REDIS_URL).
 */
import path from 'path';
import { runScript, startedServices } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const started = startedServices().splice(0);
  await Promise.all(
    started.map(async ({ service, script, env }) => {
      const res = await runScript(script, ['stop'], env, service);
      if (res.code !== 0) {
        process.stderr.write(
          `[services] WARNING: ${path.basename(script)} stop exited ${res.code}:\n${res.stderr.trim()}\n`,
        );
      }
    }),
  );
}
