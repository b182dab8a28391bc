// Configuration: every setting comes from the environment, is validated once at start-up, and ends up
// in one typed, camelCase `Config`. A bad value stops the process with every problem listed at once,
// rather than failing later at the first request that touches it.
//
// Conventions:
// - An empty variable (`PORT=`) counts as unset, so the default applies.
// - Any variable starting with `SWITCHYARD_` is refused: Switchyard reads unprefixed names (`PORT`, not
//   `SWITCHYARD_PORT`), and a prefixed one is almost always a typo that would otherwise be ignored.
// - Secrets left unset fall back to the published dev values below (listed in `devSecrets`), except
//   under `NODE_ENV=production`, which refuses dev secrets, unset or given explicitly.
import { z } from 'zod';

export const DEV_JWT_SECRET = 'dev-jwt-secret-change-me';
export const DEV_API_SECRET = 'dev-api-secret';
export const DEV_WEBHOOK_SECRET = 'dev-webhook-secret';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Names of the secret variables; their values never appear in errors or summaries. */
export type SecretName = 'AUTH_JWT_SECRET' | 'API_SECRET' | 'WEBHOOK_SECRET';
const SECRET_NAMES: ReadonlySet<string> = new Set<SecretName>(['AUTH_JWT_SECRET', 'API_SECRET', 'WEBHOOK_SECRET']);

export interface Config {
  port: number;
  host: string;
  nodeEnv: string;
  logLevel: LogLevel;
  /** HS256 shared secret; undefined exactly when `authJwksUrl` is set. */
  authJwtSecret: string | undefined;
  authJwksUrl: string | undefined;
  apiSecret: string;
  webhookSecret: string;
  /** Set: the bus is Kafka. Unset: the in-process bus. */
  kafkaBrokers: string[] | undefined;
  kafkaTopicPrefix: string;
  kafkaPartitions: number;
  kafkaClientId: string;
  /** Set: the store is Redis. Unset: the in-memory store. */
  redisUrl: string | undefined;
  pollTimeoutMs: number;
  messengerPollTimeoutMs: number;
  bodyLimitBytes: number;
  ticketTtlMs: number;
  webhookRetryScheduleMs: number[];
  webhookTimeoutMs: number;
  wsPingIntervalMs: number;
  wsPongTimeoutMs: number;
  wsMaxBufferedBytes: number;
  wsMaxFrameBytes: number;
  shutdownTimeoutMs: number;
  /** How long a request waits on Kafka or Redis before it is answered 503 (bounds a store command and a publish). */
  dependencyTimeoutMs: number;
  /** Longest pause between attempts to reach Kafka or Redis while they are unreachable. */
  dependencyReconnectMs: number;
  /** True unless NODE_ENV=production: dev secrets are allowed. */
  devMode: boolean;
  /** Names of the secrets whose value is a published dev value (unset, or given explicitly). */
  devSecrets: SecretName[];
}

export class ConfigError extends Error {
  /** One line per problem: `NAME: what is wrong (got "value")`. */
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

// Node timers overflow above 2^31-1 ms and then fire after 1 ms, so larger durations are refused.
const MAX_TIMER_MS = 2_147_483_647;
const WHOLE_NUMBER = /^\d+$/;

function integer(min: number, max: number, what: string) {
  return z
    .string()
    .refine((s) => WHOLE_NUMBER.test(s) && Number(s) >= min && Number(s) <= max, what)
    .transform(Number);
}

const port = integer(0, 65535, 'must be an integer from 0 to 65535');
const positiveMs = integer(1, MAX_TIMER_MS, `must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS}`);
const nonNegativeMs = integer(0, MAX_TIMER_MS, `must be a whole number of milliseconds from 0 to ${MAX_TIMER_MS}`);
const positiveBytes = integer(1, Number.MAX_SAFE_INTEGER, 'must be a positive whole number of bytes');
const positiveCount = integer(1, 10_000, 'must be an integer from 1 to 10000');

function url(protocols: readonly string[], what: string) {
  return z.string().refine((s) => {
    try {
      return protocols.includes(new URL(s).protocol);
    } catch {
      return false;
    }
  }, what);
}

function splitList(s: string): string[] {
  return s.split(',').map((item) => item.trim());
}

function isHostPort(item: string): boolean {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(item);
  return match !== null && Number(match[2]) >= 1 && Number(match[2]) <= 65535;
}

const brokerList = z
  .string()
  .refine((s) => splitList(s).every(isHostPort), 'must be a comma-separated list of host:port')
  .transform(splitList);

const delayList = z
  .string()
  .refine(
    (s) => splitList(s).every((d) => WHOLE_NUMBER.test(d) && Number(d) <= MAX_TIMER_MS),
    `must be a comma-separated list of whole numbers of milliseconds up to ${MAX_TIMER_MS}`,
  )
  .transform((s) => splitList(s).map(Number));

const nonEmpty = z.string().min(1);

// Keys are the environment variable names, so zod issue paths name the variable directly.
const EnvSchema = z.object({
  PORT: port.default(8080),
  HOST: nonEmpty.default('127.0.0.1'),
  NODE_ENV: nonEmpty.default('development'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  AUTH_JWT_SECRET: nonEmpty.optional(),
  AUTH_JWKS_URL: url(['http:', 'https:'], 'must be an http(s) URL').optional(),
  API_SECRET: nonEmpty.optional(),
  WEBHOOK_SECRET: nonEmpty.optional(),
  KAFKA_BROKERS: brokerList.optional(),
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'may only contain letters, digits, ".", "_" and "-" (Kafka topic characters)')
    .default('switchyard.'),
  KAFKA_PARTITIONS: positiveCount.default(3),
  KAFKA_CLIENT_ID: nonEmpty.default('switchyard'),
  REDIS_URL: url(['redis:', 'rediss:'], 'must be a redis:// or rediss:// URL').optional(),
  POLL_TIMEOUT_MS: nonNegativeMs.default(5000),
  MESSENGER_POLL_TIMEOUT_MS: nonNegativeMs.default(25000),
  BODY_LIMIT_BYTES: positiveBytes.default(1_048_576),
  TICKET_TTL_MS: positiveMs.default(60000),
  WEBHOOK_RETRY_SCHEDULE_MS: delayList.default([1000, 2000, 5000, 10000, 30000, 60000]),
  WEBHOOK_TIMEOUT_MS: positiveMs.default(5000),
  WS_PING_INTERVAL_MS: positiveMs.default(27000),
  WS_PONG_TIMEOUT_MS: positiveMs.default(30000),
  WS_MAX_BUFFERED_BYTES: positiveBytes.default(4_194_304),
  WS_MAX_FRAME_BYTES: positiveBytes.default(65536),
  SHUTDOWN_TIMEOUT_MS: positiveMs.default(10000),
  DEPENDENCY_TIMEOUT_MS: positiveMs.default(3000),
  DEPENDENCY_RECONNECT_MS: positiveMs.default(500),
});

type EnvName = keyof typeof EnvSchema.shape;
const KNOWN_NAMES = Object.keys(EnvSchema.shape) as EnvName[];

function got(name: string, value: string | undefined): string {
  if (value === undefined) return '(not set)';
  if (SECRET_NAMES.has(name) || /SECRET|PASSWORD|TOKEN|KEY/i.test(name)) return '(got "<redacted>")';
  return `(got ${JSON.stringify(value)})`;
}

function unknownPrefixed(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('SWITCHYARD_'))
    .map((name) => {
      const bare = name.slice('SWITCHYARD_'.length);
      const hint = (KNOWN_NAMES as string[]).includes(bare) ? `; did you mean ${bare}?` : '';
      return `${name}: unknown variable, Switchyard reads unprefixed names${hint} ${got(name, env[name])}`;
    });
}

interface Secrets {
  authJwtSecret: string | undefined;
  apiSecret: string;
  webhookSecret: string;
  devSecrets: SecretName[];
}

/** Dev fallbacks and the production refusal; `problems` collects what production refuses. */
function resolveSecrets(raw: Record<string, string | undefined>, production: boolean, problems: string[]): Secrets {
  const devSecrets: SecretName[] = [];
  const resolve = (name: SecretName, devValue: string, present: boolean): string => {
    const value = raw[name];
    if (!present) {
      if (production) {
        const or = name === 'AUTH_JWT_SECRET' ? ' (or AUTH_JWKS_URL)' : '';
        problems.push(`${name}: must be set${or}, NODE_ENV=production refuses dev secrets ${got(name, value)}`);
      }
      devSecrets.push(name);
      return devValue;
    }
    if (value === devValue) {
      // The dev value is public, so quoting it is safe and tells the operator exactly what is wrong.
      if (production) problems.push(`${name}: is the published dev secret, and NODE_ENV=production refuses dev secrets (got "${devValue}")`);
      devSecrets.push(name);
    }
    return value ?? devValue;
  };

  const hasJwks = raw.AUTH_JWKS_URL !== undefined;
  const authJwtSecret = hasJwks && raw.AUTH_JWT_SECRET === undefined
    ? undefined
    : resolve('AUTH_JWT_SECRET', DEV_JWT_SECRET, raw.AUTH_JWT_SECRET !== undefined);
  const apiSecret = resolve('API_SECRET', DEV_API_SECRET, raw.API_SECRET !== undefined);
  const webhookSecret = resolve('WEBHOOK_SECRET', DEV_WEBHOOK_SECRET, raw.WEBHOOK_SECRET !== undefined);
  return { authJwtSecret, apiSecret, webhookSecret, devSecrets };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, string | undefined> = {};
  for (const name of KNOWN_NAMES) {
    const value = env[name];
    raw[name] = value === '' ? undefined : value;
  }

  const problems = unknownPrefixed(env);
  const parsed = EnvSchema.safeParse(raw);
  if (!parsed.success) {
    const reported = new Set<string>();
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0]);
      if (reported.has(name)) continue; // one line per variable
      reported.add(name);
      problems.push(`${name}: ${issue.message} ${got(name, raw[name])}`);
    }
  }

  if (raw.AUTH_JWT_SECRET !== undefined && raw.AUTH_JWKS_URL !== undefined) {
    problems.push(`AUTH_JWKS_URL: cannot be combined with AUTH_JWT_SECRET, set only one ${got('AUTH_JWKS_URL', raw.AUTH_JWKS_URL)}`);
  }

  const nodeEnv = raw.NODE_ENV ?? 'development';
  const production = nodeEnv === 'production';
  const secrets = resolveSecrets(raw, production, problems);

  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    authJwtSecret: secrets.authJwtSecret,
    authJwksUrl: e.AUTH_JWKS_URL,
    apiSecret: secrets.apiSecret,
    webhookSecret: secrets.webhookSecret,
    kafkaBrokers: e.KAFKA_BROKERS,
    kafkaTopicPrefix: e.KAFKA_TOPIC_PREFIX,
    kafkaPartitions: e.KAFKA_PARTITIONS,
    kafkaClientId: e.KAFKA_CLIENT_ID,
    redisUrl: e.REDIS_URL,
    pollTimeoutMs: e.POLL_TIMEOUT_MS,
    messengerPollTimeoutMs: e.MESSENGER_POLL_TIMEOUT_MS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    ticketTtlMs: e.TICKET_TTL_MS,
    webhookRetryScheduleMs: e.WEBHOOK_RETRY_SCHEDULE_MS,
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
    wsPingIntervalMs: e.WS_PING_INTERVAL_MS,
    wsPongTimeoutMs: e.WS_PONG_TIMEOUT_MS,
    wsMaxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
    wsMaxFrameBytes: e.WS_MAX_FRAME_BYTES,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    dependencyTimeoutMs: e.DEPENDENCY_TIMEOUT_MS,
    dependencyReconnectMs: e.DEPENDENCY_RECONNECT_MS,
    devMode: !production,
    devSecrets: secrets.devSecrets,
  };
}

/** Masks the password in a URL (Redis URLs often carry one); the user name stays, it helps debugging. */
function redactUrl(value: string): string {
  const parsed = new URL(value);
  if (parsed.password === '') return value;
  parsed.password = 'redacted';
  return parsed.toString();
}

export interface ConfigSummary {
  port: number;
  host: string;
  nodeEnv: string;
  logLevel: LogLevel;
  devMode: boolean;
  devSecrets: SecretName[];
  auth: { mode: 'jwt-secret' } | { mode: 'jwks'; jwksUrl: string };
  bus: { kind: 'memory' } | { kind: 'kafka'; brokers: string[]; topicPrefix: string; partitions: number; clientId: string };
  store: { kind: 'memory' } | { kind: 'redis'; url: string };
  limits: Pick<Config, 'bodyLimitBytes' | 'wsMaxBufferedBytes' | 'wsMaxFrameBytes'>;
  timings: Pick<
    Config,
    | 'pollTimeoutMs' | 'messengerPollTimeoutMs' | 'ticketTtlMs' | 'webhookRetryScheduleMs' | 'webhookTimeoutMs'
    | 'wsPingIntervalMs' | 'wsPongTimeoutMs' | 'shutdownTimeoutMs' | 'dependencyTimeoutMs' | 'dependencyReconnectMs'
  >;
}

/**
 * A summary safe to log. Built field by field (an allowlist) so that a secret added to Config later
 * does not leak into logs by default.
 */
export function describeConfig(config: Config): ConfigSummary {
  return {
    port: config.port,
    host: config.host,
    nodeEnv: config.nodeEnv,
    logLevel: config.logLevel,
    devMode: config.devMode,
    devSecrets: [...config.devSecrets],
    auth: config.authJwksUrl !== undefined ? { mode: 'jwks', jwksUrl: redactUrl(config.authJwksUrl) } : { mode: 'jwt-secret' },
    bus:
      config.kafkaBrokers !== undefined
        ? {
            kind: 'kafka',
            brokers: [...config.kafkaBrokers],
            topicPrefix: config.kafkaTopicPrefix,
            partitions: config.kafkaPartitions,
            clientId: config.kafkaClientId,
          }
        : { kind: 'memory' },
    store: config.redisUrl !== undefined ? { kind: 'redis', url: redactUrl(config.redisUrl) } : { kind: 'memory' },
    limits: {
      bodyLimitBytes: config.bodyLimitBytes,
      wsMaxBufferedBytes: config.wsMaxBufferedBytes,
      wsMaxFrameBytes: config.wsMaxFrameBytes,
    },
    timings: {
      pollTimeoutMs: config.pollTimeoutMs,
      messengerPollTimeoutMs: config.messengerPollTimeoutMs,
      ticketTtlMs: config.ticketTtlMs,
      webhookRetryScheduleMs: [...config.webhookRetryScheduleMs],
      webhookTimeoutMs: config.webhookTimeoutMs,
      wsPingIntervalMs: config.wsPingIntervalMs,
      wsPongTimeoutMs: config.wsPongTimeoutMs,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      dependencyTimeoutMs: config.dependencyTimeoutMs,
      dependencyReconnectMs: config.dependencyReconnectMs,
    },
  };
}
