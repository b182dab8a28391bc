// Configuration: every setting comes from the environment, is validated once at start-up, and ends up
// in one typed, camelCase `Config`. A bad value stops the process with every problem listed at once,
// rather than failing later at the first request that touches it.
//
// Conventions:
// - An empty variable (`PORT=`) counts as unset, so the default applies.
// - Any variable starting with `SWITCHYARD_` is refused: Switchyard reads unprefixed names (`PORT`, not
//   `SWITCHYARD_PORT`), and a prefixed one is almost always a typo that would otherwise be ignored.
// - Secrets left unset fall back to the published dev values below (listed in `devSecrets`), except
//   under `NODE_ENV=production`, which refuses dev secrets, unset or given explicitly, and secrets
//   shorter than MIN_SECRET_BYTES.
// - `NODE_ENV=production` also refuses the in-process bus and in-memory store (no Kafka or Redis
//   configured) unless `ALLOW_EMBEDDED=true` says a single node without them is intended.
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { z } from 'zod';

/**
 * The Node versions @platformatic/kafka 2 supports (its README): 22.22+ and 24.6+. Here, not beside
 * the bus that loads it, because KAFKA_CLIENT=platformatic on another Node is a configuration error.
 */
export function platformaticSupports(version: string): boolean {
  const [major, minor] = version.split('.').map(Number);
  return major === 22 ? minor >= 22 : major === 24 ? minor >= 6 : major > 24 || major === 23;
}

export const DEV_JWT_SECRET = 'dev-jwt-secret-change-me';
export const DEV_API_SECRET = 'dev-api-secret';
export const DEV_WEBHOOK_SECRET = 'dev-webhook-secret';
/** HS256 wants a key of at least the hash size (RFC 7518 3.2); the other secrets get the same floor. */
export const MIN_SECRET_BYTES = 32;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** OpenTelemetry's sampler names (OTEL_TRACES_SAMPLER). */
export const TRACES_SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type TracesSampler = (typeof TRACES_SAMPLERS)[number];

/** OpenTelemetry tracing, when on (src/tracing/). */
export interface TracingConfig {
  /** Where spans are POSTed as OTLP/HTTP JSON, e.g. http://localhost:4318/v1/traces. */
  tracesUrl: string;
  serviceName: string;
  sampler: TracesSampler;
  /** The ratio of the traceidratio samplers, 0 to 1. */
  samplerRatio: number;
}

/** An IP network (CIDR): `address/prefix`. */
export interface Network {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** What webhooks may reach in dev mode by default: this machine (loopback), so local receivers work. */
export const DEV_WEBHOOK_ALLOWED_NETWORKS: readonly Network[] = [
  { address: '127.0.0.0', prefix: 8, family: 'ipv4' },
  { address: '::1', prefix: 128, family: 'ipv6' },
];

/** Names of the secret variables; their values never appear in errors or summaries. */
export type SecretName = 'AUTH_JWT_SECRET' | 'API_SECRET' | 'WEBHOOK_SECRET';
const SECRET_NAMES: ReadonlySet<string> = new Set<SecretName>(['AUTH_JWT_SECRET', 'API_SECRET', 'WEBHOOK_SECRET']);

export interface Config {
  port: number;
  host: string;
  /**
   * Processes `serve` runs, sharing the port (src/cluster/): WORKERS, or with `auto` the number of
   * cores when Kafka and Redis hold the shared state, else 1.
   */
  workers: number;
  nodeEnv: string;
  logLevel: LogLevel;
  /** The level of the one line logged per HTTP request (`silent`: none). */
  requestLogLevel: LogLevel;
  /** Production may run without Kafka and Redis (one node, state lost on restart). */
  allowEmbedded: boolean;
  /** HS256 shared secret; undefined exactly when `authJwksUrl` is set. */
  authJwtSecret: string | undefined;
  authJwksUrl: string | undefined;
  /** Accepted `iss` values; undefined: not checked. */
  authIssuer: string[] | undefined;
  /** Accepted `aud` values (a token must name one); undefined: not checked. */
  authAudience: string[] | undefined;
  /** A token older than this (by `iat`; without `iat`, expiring later than this from now) is refused. */
  authMaxTokenAgeMs: number;
  authClockToleranceMs: number;
  apiSecret: string;
  webhookSecret: string;
  /** Set: the bus is Kafka. Unset: the in-process bus. */
  kafkaBrokers: string[] | undefined;
  kafkaTopicPrefix: string;
  kafkaPartitions: number;
  kafkaClientId: string;
  /** The Kafka client library behind the bus: kafkajs, or @platformatic/kafka (Node >= 22.22). */
  kafkaClient: 'kafkajs' | 'platformatic';
  /** Set: the store is Redis. Unset: the in-memory store. */
  redisUrl: string | undefined;
  pollTimeoutMs: number;
  messengerPollTimeoutMs: number;
  bodyLimitBytes: number;
  ticketTtlMs: number;
  webhookRetryScheduleMs: number[];
  webhookTimeoutMs: number;
  /** How long a node holds a pending webhook job without renewing it; then another node may resume it. */
  webhookLeaseMs: number;
  /**
   * Networks webhooks may reach although they are loopback, private, link-local or otherwise
   * special (src/egress/address-policy.ts). Default: loopback in dev mode, none in production.
   */
  webhookAllowedNetworks: Network[];
  webhookRegistrationsPerMinute: number;
  wsPingIntervalMs: number;
  wsPongTimeoutMs: number;
  wsMaxBufferedBytes: number;
  wsMaxFrameBytes: number;
  /** Deepest nesting of objects and arrays accepted in any JSON input (bodies, frames, records). */
  jsonMaxDepth: number;
  /**
   * Realtime connections (games, pizza, workspace) this node holds at once, and per client address.
   * Unset: the gateway's default (limits/open-files.ts), lowered to fit the open-files limit.
   */
  wsMaxConnections: number | undefined;
  wsMaxConnectionsPerIp: number;
  /** Proxies (addresses or CIDR ranges) whose X-Forwarded-For names the client; empty: the header is ignored. */
  trustedProxies: string[];
  /** How long a socket may stay open without authenticating. */
  wsAuthTimeoutMs: number;
  /** Distinct subscriptions one games socket may hold. */
  wsMaxSubscriptions: number;
  /** Inbound messages per socket: a token bucket refilled at `wsMessageRate` per second, holding `wsMessageBurst`. */
  wsMessageRate: number;
  wsMessageBurst: number;
  shutdownTimeoutMs: number;
  /** How long a request waits on Kafka or Redis before it is answered 503 (bounds a store command and a publish). */
  dependencyTimeoutMs: number;
  /** Longest pause between attempts to reach Kafka or Redis while they are unreachable. */
  dependencyReconnectMs: number;
  /**
   * Origins whose browsers may call the REST endpoints and socket.io's polling transport
   * cross-origin (http/cors.ts): `*` any origin, else exactly these (empty: none). Default: any in
   * dev mode, none in production.
   */
  corsOrigins: '*' | string[];
  /** Answer cross-origin requests with `Access-Control-Allow-Credentials: true` (the origin echoed). */
  corsCredentials: boolean;
  /**
   * Back-ends that own forwarded client requests (specs/README.md, x-switchyard `forward`): the
   * back-end's name -> the URL its requests are POSTed to. Operator configuration, so trusted.
   */
  actionBackends: ReadonlyMap<string, string>;
  /** How long a forwarded request may wait for its back-end's answer (then 504). */
  actionTimeoutMs: number;
  /** /docs and the raw specs under /specs/<file>. Default: on in dev mode, off in production. */
  docsEnabled: boolean;
  /**
   * The operator token /console asks for (a bearer token on its API). Unset: the console is on
   * without a token in dev mode and off in production.
   */
  consoleToken: string | undefined;
  /** Undefined: tracing is off (the default). */
  tracing: TracingConfig | undefined;
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
// Above a few hundred levels the recursive parts of the pipeline (JSON.stringify, structuredClone,
// ajv, Redis's cjson at 1000) get near their stack limits: that is what the limit protects.
const MAX_JSON_DEPTH = 512;
const largeCount = integer(1, 10_000_000, 'must be an integer from 1 to 10000000');

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

/** `name=http(s)-url,...`: a back-end's name as the specs' `forward` names it, and its URL. */
const BACKEND_NAME = /^[a-z][a-z0-9_-]*$/;
function parseBackend(item: string): [string, string] | undefined {
  const at = item.indexOf('=');
  const name = item.slice(0, at).trim();
  const target = item.slice(at + 1).trim();
  if (at < 0 || !BACKEND_NAME.test(name)) return undefined;
  try {
    const parsed = new URL(target);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? [name, target] : undefined;
  } catch {
    return undefined;
  }
}
const backendList = z
  .string()
  .refine((s) => {
    const parsed = splitList(s).map(parseBackend);
    return parsed.every((b) => b !== undefined) && new Set(parsed.map((b) => b![0])).size === parsed.length;
  }, 'must be a comma-separated list of name=http(s)-URL with distinct names (e.g. games=http://quiz:9000/actions)')
  .transform((s) => new Map(splitList(s).map((item) => parseBackend(item)!)));

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
const flag = z.enum(['true', 'false'], { error: 'must be true or false' }).transform((s) => s === 'true');
const logLevel = z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` });

const nameList = z
  .string()
  .refine((s) => splitList(s).every((item) => item !== ''), 'must be a comma-separated list of non-empty values')
  .transform(splitList);

/** `a.b.c.d/n`, `v6::/n`, or a bare address (a network of one); undefined when malformed. */
export function parseNetwork(item: string): Network | undefined {
  const [address, prefixText, ...rest] = item.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return undefined;
  const bits = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

const networkList = z
  .string()
  .refine(
    (s) => s.trim() === 'none' || splitList(s).every((item) => parseNetwork(item) !== undefined),
    'must be "none" or a comma-separated list of IP networks such as 10.0.0.0/8, fd00::/8 or 192.0.2.7',
  )
  .transform((s) => (s.trim() === 'none' ? [] : splitList(s).map((item) => parseNetwork(item)!)));

/** `https://app.example.com`: a scheme, a host and maybe a port, exactly as a browser's Origin header says it. */
function isOrigin(item: string): boolean {
  try {
    const url = new URL(item);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === item;
  } catch {
    return false;
  }
}

const originList = z
  .string()
  .refine(
    (s) => ['*', 'none'].includes(s.trim()) || splitList(s).every(isOrigin),
    'must be "*", "none" or a comma-separated list of origins such as https://app.example.com (scheme, host, optional port; no path or trailing slash)',
  )
  .transform((s): '*' | string[] => (s.trim() === '*' ? '*' : s.trim() === 'none' ? [] : splitList(s)));

// JWT times are whole seconds, so these are not bounded by the timer limit; ten years is plenty.
const TEN_YEARS_MS = 315_360_000_000;

/** Addresses or CIDR ranges, kept as written (TRUSTED_PROXIES). */
const addressList = z
  .string()
  .refine((s) => splitList(s).every((item) => parseNetwork(item) !== undefined), 'must be a comma-separated list of IP addresses or CIDR ranges (10.0.0.0/8)')
  .transform(splitList);

// Keys are the environment variable names, so zod issue paths name the variable directly.
const EnvSchema = z.object({
  PORT: port.default(8080),
  HOST: nonEmpty.default('127.0.0.1'),
  WORKERS: z.union([z.literal('auto'), integer(1, 256, 'must be auto or an integer from 1 to 256')], { error: 'must be auto or an integer from 1 to 256' }).default('auto'),
  NODE_ENV: nonEmpty.default('development'),
  LOG_LEVEL: logLevel.default('info'),
  REQUEST_LOG_LEVEL: logLevel.default('info'),
  ALLOW_EMBEDDED: flag.default(false),
  AUTH_JWT_SECRET: nonEmpty.optional(),
  AUTH_JWKS_URL: url(['http:', 'https:'], 'must be an http(s) URL').optional(),
  AUTH_ISSUER: nameList.optional(),
  AUTH_AUDIENCE: nameList.optional(),
  AUTH_MAX_TOKEN_AGE_MS: integer(1000, TEN_YEARS_MS, `must be a whole number of milliseconds from 1000 to ${TEN_YEARS_MS}`).default(86_400_000),
  AUTH_CLOCK_TOLERANCE_MS: integer(0, 3_600_000, 'must be a whole number of milliseconds from 0 to 3600000').default(30_000),
  API_SECRET: nonEmpty.optional(),
  WEBHOOK_SECRET: nonEmpty.optional(),
  KAFKA_BROKERS: brokerList.optional(),
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'may only contain letters, digits, ".", "_" and "-" (Kafka topic characters)')
    .default('switchyard.'),
  KAFKA_PARTITIONS: positiveCount.default(3),
  KAFKA_CLIENT_ID: nonEmpty.default('switchyard'),
  KAFKA_CLIENT: z.enum(['kafkajs', 'platformatic'], { error: 'must be kafkajs or platformatic' }).default('kafkajs'),
  REDIS_URL: url(['redis:', 'rediss:'], 'must be a redis:// or rediss:// URL').optional(),
  POLL_TIMEOUT_MS: nonNegativeMs.default(5000),
  MESSENGER_POLL_TIMEOUT_MS: nonNegativeMs.default(25000),
  BODY_LIMIT_BYTES: positiveBytes.default(1_048_576),
  TICKET_TTL_MS: positiveMs.default(60000),
  WEBHOOK_RETRY_SCHEDULE_MS: delayList.default([1000, 2000, 5000, 10000, 30000, 60000]),
  WEBHOOK_TIMEOUT_MS: positiveMs.default(5000),
  WEBHOOK_LEASE_MS: positiveMs.optional(), // default: 30 s, or twice WEBHOOK_TIMEOUT_MS when longer
  WEBHOOK_ALLOWED_NETWORKS: networkList.optional(),
  WEBHOOK_REGISTRATIONS_PER_MINUTE: positiveCount.default(10),
  WS_PING_INTERVAL_MS: positiveMs.default(27000),
  WS_PONG_TIMEOUT_MS: positiveMs.default(30000),
  WS_MAX_BUFFERED_BYTES: positiveBytes.default(4_194_304),
  WS_MAX_FRAME_BYTES: positiveBytes.default(65536),
  JSON_MAX_DEPTH: integer(1, MAX_JSON_DEPTH, `must be an integer from 1 to ${MAX_JSON_DEPTH}`).default(64),
  // Defaults for one node on a small machine. WS_MAX_CONNECTIONS has none here: unset, the gateway
  // takes 10000 or 80% of the process's open-files limit, whichever is lower.
  WS_MAX_CONNECTIONS: largeCount.optional(),
  WS_MAX_CONNECTIONS_PER_IP: largeCount.default(256),
  TRUSTED_PROXIES: addressList.default([]),
  WS_AUTH_TIMEOUT_MS: positiveMs.default(10_000),
  WS_MAX_SUBSCRIPTIONS: positiveCount.default(100),
  WS_MESSAGE_RATE: largeCount.default(20),
  WS_MESSAGE_BURST: largeCount.default(40),
  SHUTDOWN_TIMEOUT_MS: positiveMs.default(10000),
  DEPENDENCY_TIMEOUT_MS: positiveMs.default(3000),
  DEPENDENCY_RECONNECT_MS: positiveMs.default(500),
  CORS_ORIGINS: originList.optional(), // default: any origin in dev mode, none in production
  CORS_CREDENTIALS: flag.default(true),
  ACTION_BACKENDS: backendList.optional(),
  ACTION_TIMEOUT_MS: positiveMs.default(5000),
  DOCS_ENABLED: flag.optional(), // default: true in dev mode, false in production
  // Sent as `Authorization: Bearer <token>`, where a space would end it.
  CONSOLE_TOKEN: nonEmpty.regex(/^\S+$/, 'must not contain spaces (it is sent as a Bearer token)').optional(),
  // OpenTelemetry's own variables, as far as Switchyard reads them (tracingConfig below).
  OTEL_SDK_DISABLED: flag.default(false),
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none'], { error: 'must be otlp or none (Switchyard exports traces over OTLP/HTTP only)' }).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http:', 'https:'], 'must be an http(s) URL').optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url(['http:', 'https:'], 'must be an http(s) URL').optional(),
  OTEL_SERVICE_NAME: nonEmpty.default('switchyard'),
  OTEL_TRACES_SAMPLER: z.enum(TRACES_SAMPLERS, { error: `must be one of ${TRACES_SAMPLERS.join(', ')}` }).default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z
    .string()
    .refine((s) => /^(0|1|0?\.\d+|1\.0*)$/.test(s), 'must be a number from 0 to 1')
    .transform(Number)
    .default(1),
});

type EnvName = keyof typeof EnvSchema.shape;
const KNOWN_NAMES = Object.keys(EnvSchema.shape) as EnvName[];
/** Every environment variable the configuration reads (.env.example lists each). */
export const CONFIG_VARIABLES: readonly string[] = KNOWN_NAMES;

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
    if (production && value !== undefined && value !== devValue && Buffer.byteLength(value) < MIN_SECRET_BYTES) {
      problems.push(`${name}: must be at least ${MIN_SECRET_BYTES} bytes in production (got ${Buffer.byteLength(value)} bytes)`);
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

/** What production refuses without ALLOW_EMBEDDED=true: state that would live and die with one process. */
function embeddedProblems(raw: Record<string, string | undefined>): string[] {
  const allow = 'or set ALLOW_EMBEDDED=true to run a single node without it';
  const problems: string[] = [];
  if (raw.KAFKA_BROKERS === undefined) {
    problems.push(`KAFKA_BROKERS: must be set, NODE_ENV=production refuses the in-process bus (${allow}) (not set)`);
  }
  if (raw.REDIS_URL === undefined) {
    problems.push(`REDIS_URL: must be set, NODE_ENV=production refuses the in-memory store (${allow}) (not set)`);
  }
  return problems;
}

/**
 * Tracing is on when OTEL_TRACES_EXPORTER=otlp, or when it is unset and an OTLP endpoint is given;
 * OTEL_TRACES_EXPORTER=none or OTEL_SDK_DISABLED=true turn it off. Endpoints follow the OTLP
 * exporter rules: the traces endpoint as given, or `v1/traces` appended to the base endpoint.
 */
function tracingConfig(e: z.infer<typeof EnvSchema>): TracingConfig | undefined {
  if (e.OTEL_SDK_DISABLED || e.OTEL_TRACES_EXPORTER === 'none') return undefined;
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT;
  const endpoint = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base === undefined ? undefined : `${base.replace(/\/$/, '')}/v1/traces`);
  if (e.OTEL_TRACES_EXPORTER === undefined && endpoint === undefined) return undefined;
  return {
    tracesUrl: endpoint ?? 'http://localhost:4318/v1/traces',
    serviceName: e.OTEL_SERVICE_NAME,
    sampler: e.OTEL_TRACES_SAMPLER,
    samplerRatio: e.OTEL_TRACES_SAMPLER_ARG,
  };
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

  // A lease that ran out during an attempt would let a second node send the same event at once.
  if (parsed.success && parsed.data.WEBHOOK_LEASE_MS !== undefined && parsed.data.WEBHOOK_LEASE_MS <= parsed.data.WEBHOOK_TIMEOUT_MS) {
    problems.push(`WEBHOOK_LEASE_MS: must be longer than WEBHOOK_TIMEOUT_MS (${parsed.data.WEBHOOK_TIMEOUT_MS}), an attempt must end before its lease ${got('WEBHOOK_LEASE_MS', raw.WEBHOOK_LEASE_MS)}`);
  }

  // Refused with the other problems at start, not at the first connection.
  if (raw.KAFKA_CLIENT === 'platformatic' && !platformaticSupports(process.versions.node)) {
    problems.push(`KAFKA_CLIENT: platformatic needs Node >= 22.22 or >= 24.6 (@platformatic/kafka 2), this is Node ${process.versions.node}: use kafkajs (the default) or a current Node LTS ${got('KAFKA_CLIENT', raw.KAFKA_CLIENT)}`);
  }

  const nodeEnv = raw.NODE_ENV ?? 'development';
  const production = nodeEnv === 'production';
  const secrets = resolveSecrets(raw, production, problems);
  if (production && raw.ALLOW_EMBEDDED !== 'true') problems.push(...embeddedProblems(raw));
  // Each worker is a node: the in-process bus and in-memory store would split into one per worker.
  if (parsed.success && parsed.data.WORKERS !== 'auto' && parsed.data.WORKERS > 1 && (raw.KAFKA_BROKERS === undefined || raw.REDIS_URL === undefined)) {
    problems.push(`WORKERS: more than one worker needs KAFKA_BROKERS and REDIS_URL, which the workers share ${got('WORKERS', raw.WORKERS)}`);
  }
  // The console can publish any event, so in production its token gets the secrets' length floor.
  if (production && raw.CONSOLE_TOKEN !== undefined && Buffer.byteLength(raw.CONSOLE_TOKEN) < MIN_SECRET_BYTES) {
    problems.push(`CONSOLE_TOKEN: must be at least ${MIN_SECRET_BYTES} bytes in production (got ${Buffer.byteLength(raw.CONSOLE_TOKEN)} bytes)`);
  }

  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    workers: e.WORKERS !== 'auto' ? e.WORKERS : e.KAFKA_BROKERS && e.REDIS_URL ? availableParallelism() : 1,
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    requestLogLevel: e.REQUEST_LOG_LEVEL,
    allowEmbedded: e.ALLOW_EMBEDDED,
    authJwtSecret: secrets.authJwtSecret,
    authJwksUrl: e.AUTH_JWKS_URL,
    authIssuer: e.AUTH_ISSUER,
    authAudience: e.AUTH_AUDIENCE,
    authMaxTokenAgeMs: e.AUTH_MAX_TOKEN_AGE_MS,
    authClockToleranceMs: e.AUTH_CLOCK_TOLERANCE_MS,
    apiSecret: secrets.apiSecret,
    webhookSecret: secrets.webhookSecret,
    kafkaBrokers: e.KAFKA_BROKERS,
    kafkaTopicPrefix: e.KAFKA_TOPIC_PREFIX,
    kafkaPartitions: e.KAFKA_PARTITIONS,
    kafkaClientId: e.KAFKA_CLIENT_ID,
    kafkaClient: e.KAFKA_CLIENT,
    redisUrl: e.REDIS_URL,
    pollTimeoutMs: e.POLL_TIMEOUT_MS,
    messengerPollTimeoutMs: e.MESSENGER_POLL_TIMEOUT_MS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    ticketTtlMs: e.TICKET_TTL_MS,
    webhookRetryScheduleMs: e.WEBHOOK_RETRY_SCHEDULE_MS,
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
    webhookLeaseMs: e.WEBHOOK_LEASE_MS ?? Math.min(MAX_TIMER_MS, Math.max(30_000, 2 * e.WEBHOOK_TIMEOUT_MS)),
    // Production reaches nothing special unless the operator says so (defect: SSRF via callbacks).
    webhookAllowedNetworks: e.WEBHOOK_ALLOWED_NETWORKS ?? (production ? [] : [...DEV_WEBHOOK_ALLOWED_NETWORKS]),
    webhookRegistrationsPerMinute: e.WEBHOOK_REGISTRATIONS_PER_MINUTE,
    wsPingIntervalMs: e.WS_PING_INTERVAL_MS,
    wsPongTimeoutMs: e.WS_PONG_TIMEOUT_MS,
    wsMaxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
    wsMaxFrameBytes: e.WS_MAX_FRAME_BYTES,
    jsonMaxDepth: e.JSON_MAX_DEPTH,
    wsMaxConnections: e.WS_MAX_CONNECTIONS,
    wsMaxConnectionsPerIp: e.WS_MAX_CONNECTIONS_PER_IP,
    trustedProxies: e.TRUSTED_PROXIES,
    wsAuthTimeoutMs: e.WS_AUTH_TIMEOUT_MS,
    wsMaxSubscriptions: e.WS_MAX_SUBSCRIPTIONS,
    wsMessageRate: e.WS_MESSAGE_RATE,
    wsMessageBurst: e.WS_MESSAGE_BURST,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    dependencyTimeoutMs: e.DEPENDENCY_TIMEOUT_MS,
    dependencyReconnectMs: e.DEPENDENCY_RECONNECT_MS,
    // Production answers no other origin unless the operator lists the app's (or says `*`).
    corsOrigins: e.CORS_ORIGINS ?? (production ? [] : '*'),
    corsCredentials: e.CORS_CREDENTIALS,
    actionBackends: e.ACTION_BACKENDS ?? new Map(),
    actionTimeoutMs: e.ACTION_TIMEOUT_MS,
    docsEnabled: e.DOCS_ENABLED ?? !production,
    consoleToken: e.CONSOLE_TOKEN,
    tracing: tracingConfig(e),
    devMode: !production,
    devSecrets: secrets.devSecrets,
  };
}

/** Whether /console is served, and whether it asks for CONSOLE_TOKEN. */
export function consoleMode(config: Pick<Config, 'consoleToken' | 'devMode'>): 'off' | 'open' | 'token' {
  if (config.consoleToken !== undefined) return 'token';
  return config.devMode ? 'open' : 'off';
}

/** Masks the password in a URL (Redis URLs often carry one); the user name stays, it helps debugging. */
export function redactUrl(value: string): string {
  const parsed = new URL(value);
  if (parsed.password === '') return value;
  parsed.password = 'redacted';
  return parsed.toString();
}

export interface ConfigSummary {
  port: number;
  host: string;
  workers: number;
  nodeEnv: string;
  logLevel: LogLevel;
  requestLogLevel: LogLevel;
  devMode: boolean;
  allowEmbedded: boolean;
  devSecrets: SecretName[];
  auth: { mode: 'jwt-secret' } | { mode: 'jwks'; jwksUrl: string };
  bus: { kind: 'memory' } | { kind: 'kafka'; client: Config['kafkaClient']; brokers: string[]; topicPrefix: string; partitions: number; clientId: string };
  store: { kind: 'memory' } | { kind: 'redis'; url: string };
  web: { docs: boolean; console: 'off' | 'open' | 'token' };
  tracing: { enabled: false } | ({ enabled: true } & TracingConfig);
  tokenRules: Pick<Config, 'authIssuer' | 'authAudience' | 'authMaxTokenAgeMs' | 'authClockToleranceMs'>;
  webhooks: { allowedNetworks: string[]; registrationsPerMinute: number };
  cors: { origins: '*' | string[]; credentials: boolean };
  /** Forwarded requests: each back-end's URL (credentials in it masked) and the answer timeout. */
  actions: { backends: Record<string, string>; timeoutMs: number };
  limits: Pick<
    Config,
    | 'bodyLimitBytes' | 'wsMaxBufferedBytes' | 'wsMaxFrameBytes' | 'jsonMaxDepth' | 'wsMaxConnections' | 'wsMaxConnectionsPerIp'
    | 'trustedProxies' | 'wsAuthTimeoutMs' | 'wsMaxSubscriptions' | 'wsMessageRate' | 'wsMessageBurst'
  >;
  timings: Pick<
    Config,
    | 'pollTimeoutMs' | 'messengerPollTimeoutMs' | 'ticketTtlMs' | 'webhookRetryScheduleMs' | 'webhookTimeoutMs' | 'webhookLeaseMs'
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
    workers: config.workers,
    nodeEnv: config.nodeEnv,
    logLevel: config.logLevel,
    requestLogLevel: config.requestLogLevel,
    devMode: config.devMode,
    allowEmbedded: config.allowEmbedded,
    devSecrets: [...config.devSecrets],
    auth: config.authJwksUrl !== undefined ? { mode: 'jwks', jwksUrl: redactUrl(config.authJwksUrl) } : { mode: 'jwt-secret' },
    bus:
      config.kafkaBrokers !== undefined
        ? {
            kind: 'kafka',
            client: config.kafkaClient,
            brokers: [...config.kafkaBrokers],
            topicPrefix: config.kafkaTopicPrefix,
            partitions: config.kafkaPartitions,
            clientId: config.kafkaClientId,
          }
        : { kind: 'memory' },
    store: config.redisUrl !== undefined ? { kind: 'redis', url: redactUrl(config.redisUrl) } : { kind: 'memory' },
    web: { docs: config.docsEnabled, console: consoleMode(config) },
    tracing: config.tracing ? { enabled: true, ...config.tracing, tracesUrl: redactUrl(config.tracing.tracesUrl) } : { enabled: false },
    tokenRules: {
      authIssuer: config.authIssuer && [...config.authIssuer],
      authAudience: config.authAudience && [...config.authAudience],
      authMaxTokenAgeMs: config.authMaxTokenAgeMs,
      authClockToleranceMs: config.authClockToleranceMs,
    },
    webhooks: {
      allowedNetworks: config.webhookAllowedNetworks.map((n) => `${n.address}/${n.prefix}`),
      registrationsPerMinute: config.webhookRegistrationsPerMinute,
    },
    cors: { origins: config.corsOrigins === '*' ? '*' : [...config.corsOrigins], credentials: config.corsCredentials },
    actions: {
      backends: Object.fromEntries([...config.actionBackends].map(([name, target]) => [name, redactUrl(target)])),
      timeoutMs: config.actionTimeoutMs,
    },
    limits: {
      bodyLimitBytes: config.bodyLimitBytes,
      wsMaxBufferedBytes: config.wsMaxBufferedBytes,
      wsMaxFrameBytes: config.wsMaxFrameBytes,
      jsonMaxDepth: config.jsonMaxDepth,
      wsMaxConnections: config.wsMaxConnections,
      wsMaxConnectionsPerIp: config.wsMaxConnectionsPerIp,
      trustedProxies: [...config.trustedProxies],
      wsAuthTimeoutMs: config.wsAuthTimeoutMs,
      wsMaxSubscriptions: config.wsMaxSubscriptions,
      wsMessageRate: config.wsMessageRate,
      wsMessageBurst: config.wsMessageBurst,
    },
    timings: {
      pollTimeoutMs: config.pollTimeoutMs,
      messengerPollTimeoutMs: config.messengerPollTimeoutMs,
      ticketTtlMs: config.ticketTtlMs,
      webhookRetryScheduleMs: [...config.webhookRetryScheduleMs],
      webhookTimeoutMs: config.webhookTimeoutMs,
      webhookLeaseMs: config.webhookLeaseMs,
      wsPingIntervalMs: config.wsPingIntervalMs,
      wsPongTimeoutMs: config.wsPongTimeoutMs,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      dependencyTimeoutMs: config.dependencyTimeoutMs,
      dependencyReconnectMs: config.dependencyReconnectMs,
    },
  };
}
