/**
 * Real Kafka / Redis for integration suites.
 *
 * The Jest global setup (test/services/global-setup.ts) starts throwaway instances through
 * scripts/kafka.sh and scripts/redis.sh and exports KAFKA_BROKERS / REDIS_URL to the workers;
 * you can also start them yourself and pass the env vars they print.
 *
 * A suite that needs a service uses describeWithKafka / describeWithRedis:
 *  - service available          -> the suite runs;
 *  - missing, CI=true           -> the suite FAILS with a message saying what is missing and why;
 *  - missing, developer machine -> the suite is skipped and a warning says why.
 */

export type ServiceName = 'kafka' | 'redis';

const ENV: Record<ServiceName, string> = { kafka: 'KAFKA_BROKERS', redis: 'REDIS_URL' };
const SCRIPT: Record<ServiceName, string> = { kafka: 'scripts/kafka.sh', redis: 'scripts/redis.sh' };
const NEEDS: Record<ServiceName, string> = {
  kafka: 'java 17+ and mvn (or jars cached by an earlier run)',
  redis: 'redis-server (apt-get install redis-server, done by the script when root or with sudo)',
};

/** True on CI (CI=true, as .ci/run is started). */
export function isCI(): boolean {
  const ci = (process.env.CI ?? '').trim().toLowerCase();
  return ci !== '' && ci !== '0' && ci !== 'false';
}

/** Broker list from KAFKA_BROKERS ("host:port,host:port"), or undefined. */
export function kafkaBrokers(): string[] | undefined {
  const raw = process.env.KAFKA_BROKERS?.trim();
  if (!raw) return undefined;
  const brokers = raw
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  return brokers.length > 0 ? brokers : undefined;
}

/** REDIS_URL (redis://host:port), or undefined. */
export function redisUrl(): string | undefined {
  return process.env.REDIS_URL?.trim() || undefined;
}

const UNAVAILABLE: Record<ServiceName, string> = {
  kafka: 'SWITCHYARD_KAFKA_UNAVAILABLE',
  redis: 'SWITCHYARD_REDIS_UNAVAILABLE',
};

/** Why a service is missing, and how to get it. */
export function missingReason(name: ServiceName): string {
  let why: string;
  if (process.env.SWITCHYARD_NO_SERVICES === '1') {
    why = 'SWITCHYARD_NO_SERVICES=1 disabled the automatic start';
  } else if (process.env.SWITCHYARD_SERVICES_SETUP !== '1') {
    why = 'the services global setup (test/services/global-setup.ts) did not run';
  } else {
    why = `the Jest global setup did not start it: ${process.env[UNAVAILABLE[name]] ?? 'unknown reason'} (needs ${NEEDS[name]}; see the [services] lines above)`;
  }
  return (
    `${ENV[name]} is not set: ${why}. ` +
    `Start one with \`bash ${SCRIPT[name]} start\` and pass the ${ENV[name]}=... line it prints, ` +
    `or run Jest with --globalSetup ./test/services/global-setup.ts --globalTeardown ./test/services/global-teardown.ts.`
  );
}

/**
 * Returns `value` when the service is available. When it is missing: on CI throws (the suite must
 * fail, never silently skip); on a developer machine warns and returns undefined (caller skips).
 */
export function requireService<T>(name: ServiceName, value: T | undefined, suite?: string): T | undefined {
  if (value !== undefined) return value;
  const reason = missingReason(name);
  if (isCI()) {
    throw new Error(`[CI] ${suite ? `"${suite}" ` : ''}needs a real ${name} but ${reason}`);
  }
  // eslint-disable-next-line no-console
  console.warn(`Skipping ${suite ? `"${suite}"` : 'suite'}: needs a real ${name}; ${reason}`);
  return undefined;
}

function describeWith<T>(service: ServiceName, value: T | undefined, name: string, fn: (value: T) => void): void {
  let got: T | undefined;
  try {
    got = requireService(service, value, name);
  } catch (err) {
    // CI: report as a failing test (keeps the message in the summary and lets other suites run)
    const error = err as Error;
    describe(name, () => {
      it(`requires ${service} (${ENV[service]})`, () => {
        throw error;
      });
    });
    return;
  }
  if (got === undefined) {
    describe.skip(name, () => {
      it(`requires ${service} (${ENV[service]})`, () => undefined);
    });
    return;
  }
  const present = got;
  describe(name, () => fn(present));
}

/** describe() that gets the broker list; skipped (dev) or failing (CI) without Kafka. */
export function describeWithKafka(name: string, fn: (brokers: string[]) => void): void {
  describeWith('kafka', kafkaBrokers(), name, fn);
}

/** describe() that gets the Redis URL; skipped (dev) or failing (CI) without Redis. */
export function describeWithRedis(name: string, fn: (url: string) => void): void {
  describeWith('redis', redisUrl(), name, fn);
}
