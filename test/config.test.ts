import { availableParallelism } from 'node:os';
import {
  ConfigError,
  DEV_API_SECRET,
  DEV_JWT_SECRET,
  DEV_WEBHOOK_SECRET,
  MIN_SECRET_BYTES,
  consoleMode,
  describeConfig,
  loadConfig,
  platformaticSupports,
} from '../src/config';

/** The ConfigError thrown for `env`; fails the test when loadConfig does not throw one. */
function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

const PRODUCTION = {
  NODE_ENV: 'production',
  AUTH_JWT_SECRET: 'prod-jwt-secret-0123456789abcdefghij',
  API_SECRET: 'prod-api-secret-0123456789abcdefghij',
  WEBHOOK_SECRET: 'prod-webhook-secret-0123456789abcdef',
  KAFKA_BROKERS: 'kafka:9092',
  REDIS_URL: 'redis://cache:6379',
};

describe('loadConfig defaults', () => {
  const config = loadConfig({});

  it('serves on 127.0.0.1:8080 with info logs', () => {
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.logLevel).toBe('info');
    expect(config.requestLogLevel).toBe('info');
    expect(config.nodeEnv).toBe('development');
    expect(config.allowEmbedded).toBe(false);
  });

  it('uses the in-process bus and in-memory store', () => {
    expect(config.kafkaBrokers).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.kafkaTopicPrefix).toBe('switchyard.');
    expect(config.kafkaPartitions).toBe(3);
    expect(config.kafkaClientId).toBe('switchyard');
    expect(config.kafkaClient).toBe('kafkajs');
  });

  it('has the documented timings and limits as numbers', () => {
    expect(config).toMatchObject({
      pollTimeoutMs: 5000,
      messengerPollTimeoutMs: 25000,
      bodyLimitBytes: 1048576,
      ticketTtlMs: 60000,
      webhookRetryScheduleMs: [1000, 2000, 5000, 10000, 30000, 60000],
      webhookTimeoutMs: 5000,
      webhookLeaseMs: 30000,
      wsPingIntervalMs: 27000,
      wsPongTimeoutMs: 30000,
      wsMaxBufferedBytes: 4194304,
      wsMaxFrameBytes: 65536,
      jsonMaxDepth: 64,
      shutdownTimeoutMs: 10000,
      dependencyTimeoutMs: 3000,
      dependencyReconnectMs: 500,
    });
  });

  it('has the documented connection and message limits', () => {
    expect(config).toMatchObject({
      wsMaxConnections: undefined, // the gateway's default: 10000, or 80% of the open-files limit
      wsMaxConnectionsPerIp: 256,
      trustedProxies: [],
      wsAuthTimeoutMs: 10000,
      wsMaxSubscriptions: 100,
      wsMessageRate: 20,
      wsMessageBurst: 40,
    });
  });

  it('falls back to the dev secrets and says which', () => {
    expect(config.devMode).toBe(true);
    expect(config.authJwtSecret).toBe(DEV_JWT_SECRET);
    expect(config.authJwksUrl).toBeUndefined();
    expect(config.apiSecret).toBe(DEV_API_SECRET);
    expect(config.webhookSecret).toBe(DEV_WEBHOOK_SECRET);
    expect(config.devSecrets).toEqual(['AUTH_JWT_SECRET', 'API_SECRET', 'WEBHOOK_SECRET']);
  });

  it('documents the dev secret values', () => {
    expect([DEV_JWT_SECRET, DEV_API_SECRET, DEV_WEBHOOK_SECRET]).toEqual([
      'dev-jwt-secret-change-me',
      'dev-api-secret',
      'dev-webhook-secret',
    ]);
  });
});

describe('loadConfig parsing', () => {
  it('parses every variable into its typed field', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      LOG_LEVEL: 'debug',
      REQUEST_LOG_LEVEL: 'warn',
      ALLOW_EMBEDDED: 'true',
      AUTH_JWT_SECRET: 'jwt',
      API_SECRET: 'api',
      WEBHOOK_SECRET: 'hook',
      KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9093,[::1]:9094',
      KAFKA_TOPIC_PREFIX: 'sy-',
      KAFKA_PARTITIONS: '12',
      KAFKA_CLIENT_ID: 'gw-1',
      KAFKA_CLIENT: 'kafkajs',
      REDIS_URL: 'rediss://cache.internal:6380/2',
      POLL_TIMEOUT_MS: '0',
      MESSENGER_POLL_TIMEOUT_MS: '100',
      BODY_LIMIT_BYTES: '2048',
      TICKET_TTL_MS: '1',
      WEBHOOK_RETRY_SCHEDULE_MS: '10, 20,30',
      WEBHOOK_TIMEOUT_MS: '250',
      WEBHOOK_LEASE_MS: '251',
      WS_PING_INTERVAL_MS: '1000',
      WS_PONG_TIMEOUT_MS: '2000',
      WS_MAX_BUFFERED_BYTES: '4096',
      WS_MAX_FRAME_BYTES: '512',
      JSON_MAX_DEPTH: '16',
      WS_MAX_CONNECTIONS: '50000',
      WS_MAX_CONNECTIONS_PER_IP: '10',
      TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1,fd00::/8',
      WS_AUTH_TIMEOUT_MS: '500',
      WS_MAX_SUBSCRIPTIONS: '7',
      WS_MESSAGE_RATE: '5',
      WS_MESSAGE_BURST: '6',
      SHUTDOWN_TIMEOUT_MS: '300',
      AUTH_ISSUER: 'https://id.example, https://old.example',
      AUTH_AUDIENCE: 'switchyard',
      AUTH_MAX_TOKEN_AGE_MS: '3600000',
      AUTH_CLOCK_TOLERANCE_MS: '0',
      WEBHOOK_ALLOWED_NETWORKS: '10.0.0.0/8, fd00::/8,192.0.2.7',
      WEBHOOK_REGISTRATIONS_PER_MINUTE: '3',
      DEPENDENCY_TIMEOUT_MS: '1500',
      DEPENDENCY_RECONNECT_MS: '100',
    });
    expect(config).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      logLevel: 'debug',
      requestLogLevel: 'warn',
      allowEmbedded: true,
      authJwtSecret: 'jwt',
      apiSecret: 'api',
      webhookSecret: 'hook',
      kafkaBrokers: ['kafka-1:9092', 'kafka-2:9093', '[::1]:9094'],
      kafkaTopicPrefix: 'sy-',
      kafkaPartitions: 12,
      kafkaClientId: 'gw-1',
      kafkaClient: 'kafkajs',
      redisUrl: 'rediss://cache.internal:6380/2',
      pollTimeoutMs: 0,
      messengerPollTimeoutMs: 100,
      bodyLimitBytes: 2048,
      ticketTtlMs: 1,
      webhookRetryScheduleMs: [10, 20, 30],
      webhookTimeoutMs: 250,
      webhookLeaseMs: 251,
      wsPingIntervalMs: 1000,
      wsPongTimeoutMs: 2000,
      wsMaxBufferedBytes: 4096,
      wsMaxFrameBytes: 512,
      jsonMaxDepth: 16,
      wsMaxConnections: 50000,
      wsMaxConnectionsPerIp: 10,
      trustedProxies: ['10.0.0.0/8', '127.0.0.1', 'fd00::/8'],
      wsAuthTimeoutMs: 500,
      wsMaxSubscriptions: 7,
      wsMessageRate: 5,
      wsMessageBurst: 6,
      shutdownTimeoutMs: 300,
      authIssuer: ['https://id.example', 'https://old.example'],
      authAudience: ['switchyard'],
      authMaxTokenAgeMs: 3_600_000,
      authClockToleranceMs: 0,
      webhookAllowedNetworks: [
        { address: '10.0.0.0', prefix: 8, family: 'ipv4' },
        { address: 'fd00::', prefix: 8, family: 'ipv6' },
        { address: '192.0.2.7', prefix: 32, family: 'ipv4' },
      ],
      webhookRegistrationsPerMinute: 3,
      dependencyTimeoutMs: 1500,
      dependencyReconnectMs: 100,
      devSecrets: [],
    });
  });

  it('checks no issuer or audience, allows tokens 24 h with 30 s tolerance, 10 registrations a minute by default', () => {
    expect(loadConfig({})).toMatchObject({
      authIssuer: undefined,
      authAudience: undefined,
      authMaxTokenAgeMs: 86_400_000,
      authClockToleranceMs: 30_000,
      webhookRegistrationsPerMinute: 10,
    });
  });

  it('lets webhooks reach loopback in dev mode only, and nothing special in production', () => {
    expect(loadConfig({}).webhookAllowedNetworks).toEqual([
      { address: '127.0.0.0', prefix: 8, family: 'ipv4' },
      { address: '::1', prefix: 128, family: 'ipv6' },
    ]);
    expect(loadConfig(PRODUCTION).webhookAllowedNetworks).toEqual([]);
    expect(loadConfig({ WEBHOOK_ALLOWED_NETWORKS: 'none' }).webhookAllowedNetworks).toEqual([]);
    expect(loadConfig({ ...PRODUCTION, WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1' }).webhookAllowedNetworks).toEqual([
      { address: '127.0.0.1', prefix: 32, family: 'ipv4' },
    ]);
  });

  it('answers any origin with credentials in dev mode, none in production unless listed', () => {
    expect(loadConfig({})).toMatchObject({ corsOrigins: '*', corsCredentials: true });
    expect(loadConfig(PRODUCTION)).toMatchObject({ corsOrigins: [], corsCredentials: true });
    expect(loadConfig({ ...PRODUCTION, CORS_ORIGINS: 'https://app.example.com, http://localhost:3000' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:3000',
    ]);
    expect(loadConfig({ ...PRODUCTION, CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
    expect(loadConfig({ CORS_ORIGINS: 'none', CORS_CREDENTIALS: 'false' })).toMatchObject({ corsOrigins: [], corsCredentials: false });
  });

  it('treats an empty variable as unset', () => {
    const config = loadConfig({ PORT: '', LOG_LEVEL: '', API_SECRET: '' });
    expect(config.port).toBe(8080);
    expect(config.logLevel).toBe('info');
    expect(config.devSecrets).toContain('API_SECRET');
  });

  it('uses JWKS instead of a secret when AUTH_JWKS_URL is set', () => {
    const config = loadConfig({ AUTH_JWKS_URL: 'https://id.example.com/.well-known/jwks.json' });
    expect(config.authJwksUrl).toBe('https://id.example.com/.well-known/jwks.json');
    expect(config.authJwtSecret).toBeUndefined();
    expect(config.devSecrets).toEqual(['API_SECRET', 'WEBHOOK_SECRET']);
  });

  it('ignores variables it does not know unless they carry the SWITCHYARD_ prefix', () => {
    expect(() => loadConfig({ PATH: '/usr/bin', HOME: '/root' })).not.toThrow();
  });
});

describe('loadConfig errors', () => {
  it.each([
    ['PORT', 'abc', 'PORT: must be an integer from 0 to 65535 (got "abc")'],
    ['PORT', '65536', 'PORT: must be an integer from 0 to 65535 (got "65536")'],
    ['PORT', '80.5', 'PORT: must be an integer from 0 to 65535 (got "80.5")'],
    ['LOG_LEVEL', 'verbose', 'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")'],
    ['POLL_TIMEOUT_MS', '-1', 'POLL_TIMEOUT_MS: must be a whole number of milliseconds from 0 to 2147483647 (got "-1")'],
    ['WEBHOOK_TIMEOUT_MS', '-5', 'WEBHOOK_TIMEOUT_MS: must be a whole number of milliseconds from 1 to 2147483647 (got "-5")'],
    ['TICKET_TTL_MS', '0', 'TICKET_TTL_MS: must be a whole number of milliseconds from 1 to 2147483647 (got "0")'],
    ['DEPENDENCY_TIMEOUT_MS', '0', 'DEPENDENCY_TIMEOUT_MS: must be a whole number of milliseconds from 1 to 2147483647 (got "0")'],
    ['DEPENDENCY_RECONNECT_MS', '1s', 'DEPENDENCY_RECONNECT_MS: must be a whole number of milliseconds from 1 to 2147483647 (got "1s")'],
    // Past 2^31-1 a Node timer fires after 1 ms, so the value would silently mean the opposite.
    ['WS_PING_INTERVAL_MS', '2147483648', 'WS_PING_INTERVAL_MS: must be a whole number of milliseconds from 1 to 2147483647 (got "2147483648")'],
    ['BODY_LIMIT_BYTES', '1e6', 'BODY_LIMIT_BYTES: must be a positive whole number of bytes (got "1e6")'],
    ['JSON_MAX_DEPTH', '0', 'JSON_MAX_DEPTH: must be an integer from 1 to 512 (got "0")'],
    // Deeper than this, the recursive encoders and validators after the check are near their stack.
    ['JSON_MAX_DEPTH', '513', 'JSON_MAX_DEPTH: must be an integer from 1 to 512 (got "513")'],
    ['KAFKA_PARTITIONS', '0', 'KAFKA_PARTITIONS: must be an integer from 1 to 10000 (got "0")'],
    ['KAFKA_BROKERS', 'kafka:9092,kafka', 'KAFKA_BROKERS: must be a comma-separated list of host:port (got "kafka:9092,kafka")'],
    ['KAFKA_BROKERS', 'kafka:0', 'KAFKA_BROKERS: must be a comma-separated list of host:port (got "kafka:0")'],
    ['KAFKA_TOPIC_PREFIX', 'a b', 'KAFKA_TOPIC_PREFIX: may only contain letters, digits, ".", "_" and "-" (Kafka topic characters) (got "a b")'],
    ['REDIS_URL', 'http://cache:6379', 'REDIS_URL: must be a redis:// or rediss:// URL (got "http://cache:6379")'],
    ['REDIS_URL', 'cache:6379', 'REDIS_URL: must be a redis:// or rediss:// URL (got "cache:6379")'],
    ['AUTH_JWKS_URL', 'not a url', 'AUTH_JWKS_URL: must be an http(s) URL (got "not a url")'],
    ['AUTH_ISSUER', 'a,,b', 'AUTH_ISSUER: must be a comma-separated list of non-empty values (got "a,,b")'],
    ['AUTH_CLOCK_TOLERANCE_MS', '3600001', 'AUTH_CLOCK_TOLERANCE_MS: must be a whole number of milliseconds from 0 to 3600000 (got "3600001")'],
    // The name contains TOKEN, so its value is redacted like a secret's would be.
    ['AUTH_MAX_TOKEN_AGE_MS', '999', 'AUTH_MAX_TOKEN_AGE_MS: must be a whole number of milliseconds from 1000 to 315360000000 (got "<redacted>")'],
    ['WEBHOOK_REGISTRATIONS_PER_MINUTE', '0', 'WEBHOOK_REGISTRATIONS_PER_MINUTE: must be an integer from 1 to 10000 (got "0")'],
    ...['10.0.0.0/33', '::1/129', '10.0.0/8', 'localhost', '10.0.0.0/8/8', '10.0.0.0/-1', 'none,10.0.0.0/8'].map((value) => [
      'WEBHOOK_ALLOWED_NETWORKS',
      value,
      `WEBHOOK_ALLOWED_NETWORKS: must be "none" or a comma-separated list of IP networks such as 10.0.0.0/8, fd00::/8 or 192.0.2.7 (got ${JSON.stringify(value)})`,
    ]),
    ['WS_MAX_CONNECTIONS', '0', 'WS_MAX_CONNECTIONS: must be an integer from 1 to 10000000 (got "0")'],
    ['WS_MAX_CONNECTIONS_PER_IP', 'many', 'WS_MAX_CONNECTIONS_PER_IP: must be an integer from 1 to 10000000 (got "many")'],
    ['WS_MESSAGE_RATE', '0.5', 'WS_MESSAGE_RATE: must be an integer from 1 to 10000000 (got "0.5")'],
    ['WS_MAX_SUBSCRIPTIONS', '0', 'WS_MAX_SUBSCRIPTIONS: must be an integer from 1 to 10000 (got "0")'],
    ['WS_AUTH_TIMEOUT_MS', '0', 'WS_AUTH_TIMEOUT_MS: must be a whole number of milliseconds from 1 to 2147483647 (got "0")'],
    ['TRUSTED_PROXIES', '10.0.0.0/33', 'TRUSTED_PROXIES: must be a comma-separated list of IP addresses or CIDR ranges (10.0.0.0/8) (got "10.0.0.0/33")'],
    ['TRUSTED_PROXIES', 'proxy.internal', 'TRUSTED_PROXIES: must be a comma-separated list of IP addresses or CIDR ranges (10.0.0.0/8) (got "proxy.internal")'],
    ...['https://app.example.com/', 'app.example.com', 'https://app.example.com/path', 'ftp://app.example.com', '*,https://a.example', 'https://a.example,,'].map((value) => [
      'CORS_ORIGINS',
      value,
      `CORS_ORIGINS: must be "*", "none" or a comma-separated list of origins such as https://app.example.com (scheme, host, optional port; no path or trailing slash) (got ${JSON.stringify(value)})`,
    ]),
    ['CORS_CREDENTIALS', 'yes', 'CORS_CREDENTIALS: must be true or false (got "yes")'],
    ['KAFKA_CLIENT', 'librdkafka', 'KAFKA_CLIENT: must be kafkajs or platformatic (got "librdkafka")'],
    ['WEBHOOK_RETRY_SCHEDULE_MS', '1000,soon', 'WEBHOOK_RETRY_SCHEDULE_MS: must be a comma-separated list of whole numbers of milliseconds up to 2147483647 (got "1000,soon")'],
  ])('%s=%s is refused', (name, value, problem) => {
    expect(problemsOf({ [name]: value })).toEqual([problem]);
  });

  it('refuses KAFKA_CLIENT=platformatic on a Node that @platformatic/kafka does not run on (Node < 22.22), and takes it on one it does', () => {
    if (platformaticSupports(process.versions.node)) {
      expect(loadConfig({ KAFKA_CLIENT: 'platformatic' }).kafkaClient).toBe('platformatic');
    } else {
      expect(problemsOf({ KAFKA_CLIENT: 'platformatic' })).toEqual([
        `KAFKA_CLIENT: platformatic needs Node >= 22.22 or >= 24.6 (@platformatic/kafka 2), this is Node ${process.versions.node}: use kafkajs (the default) or a current Node LTS (got "platformatic")`,
      ]);
    }
  });

  it('refuses a webhook lease no longer than the attempt timeout, and defaults it past a long timeout', () => {
    expect(problemsOf({ WEBHOOK_TIMEOUT_MS: '5000', WEBHOOK_LEASE_MS: '5000' })).toEqual([
      'WEBHOOK_LEASE_MS: must be longer than WEBHOOK_TIMEOUT_MS (5000), an attempt must end before its lease (got "5000")',
    ]);
    expect(problemsOf({ WEBHOOK_LEASE_MS: '4000' })).toHaveLength(1); // against the default timeout
    expect(loadConfig({ WEBHOOK_TIMEOUT_MS: '40000' }).webhookLeaseMs).toBe(80000);
  });

  it('lists every problem at once, in the error message too', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', LOG_LEVEL: 'verbose', POLL_TIMEOUT_MS: '-1', REDIS_URL: 'nope' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems).toHaveLength(4);
    for (const name of ['PORT', 'LOG_LEVEL', 'POLL_TIMEOUT_MS', 'REDIS_URL']) {
      expect(problems.some((p) => p.startsWith(`${name}: `))).toBe(true);
    }
    for (const problem of problems) expect(message).toContain(problem);
  });

  it('refuses AUTH_JWT_SECRET together with AUTH_JWKS_URL without revealing the secret', () => {
    const problems = problemsOf({ AUTH_JWT_SECRET: 'hunter2-secret', AUTH_JWKS_URL: 'https://id.example.com/jwks' });
    expect(problems).toEqual([
      'AUTH_JWKS_URL: cannot be combined with AUTH_JWT_SECRET, set only one (got "https://id.example.com/jwks")',
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('refuses SWITCHYARD_-prefixed variables as typos, naming the intended variable', () => {
    expect(problemsOf({ SWITCHYARD_PORT: '9000' })).toEqual([
      'SWITCHYARD_PORT: unknown variable, Switchyard reads unprefixed names; did you mean PORT? (got "9000")',
    ]);
    expect(problemsOf({ SWITCHYARD_SOMETHING: 'x' })).toEqual([
      'SWITCHYARD_SOMETHING: unknown variable, Switchyard reads unprefixed names (got "x")',
    ]);
  });

  it('does not echo the value of a mistyped secret', () => {
    const problems = problemsOf({ SWITCHYARD_API_SECRET: 'hunter2-secret' });
    expect(problems).toEqual([
      'SWITCHYARD_API_SECRET: unknown variable, Switchyard reads unprefixed names; did you mean API_SECRET? (got "<redacted>")',
    ]);
  });
});

describe('loadConfig in production', () => {
  it('accepts real secrets and uses no dev ones', () => {
    const config = loadConfig(PRODUCTION);
    expect(config.devMode).toBe(false);
    expect(config.devSecrets).toEqual([]);
    expect(config.authJwtSecret).toBe(PRODUCTION.AUTH_JWT_SECRET);
  });

  it('accepts AUTH_JWKS_URL in place of AUTH_JWT_SECRET', () => {
    const { AUTH_JWT_SECRET: _unused, ...rest } = PRODUCTION;
    const config = loadConfig({ ...rest, AUTH_JWKS_URL: 'https://id.example.com/jwks' });
    expect(config.authJwtSecret).toBeUndefined();
    expect(config.devSecrets).toEqual([]);
  });

  it('refuses to fall back to dev secrets, naming each missing one', () => {
    expect(problemsOf({ NODE_ENV: 'production', ALLOW_EMBEDDED: 'true' })).toEqual([
      'AUTH_JWT_SECRET: must be set (or AUTH_JWKS_URL), NODE_ENV=production refuses dev secrets (not set)',
      'API_SECRET: must be set, NODE_ENV=production refuses dev secrets (not set)',
      'WEBHOOK_SECRET: must be set, NODE_ENV=production refuses dev secrets (not set)',
    ]);
  });

  it.each(['AUTH_JWT_SECRET', 'API_SECRET', 'WEBHOOK_SECRET'])('refuses a %s shorter than 32 bytes without echoing it', (name) => {
    const short = 'short-but-secret';
    const problems = problemsOf({ ...PRODUCTION, [name]: short });
    expect(problems).toEqual([`${name}: must be at least ${MIN_SECRET_BYTES} bytes in production (got 16 bytes)`]);
    expect(problems.join()).not.toContain(short);
  });

  it('counts bytes, not characters, and accepts exactly 32', () => {
    expect(loadConfig({ ...PRODUCTION, API_SECRET: 'x'.repeat(32) }).apiSecret).toHaveLength(32);
    expect(loadConfig({ ...PRODUCTION, API_SECRET: 'é'.repeat(16) }).apiSecret).toHaveLength(16); // 32 bytes of UTF-8
    expect(problemsOf({ ...PRODUCTION, API_SECRET: 'x'.repeat(31) })).toHaveLength(1);
  });

  it('accepts short secrets outside production', () => {
    expect(loadConfig({ AUTH_JWT_SECRET: 'short' }).authJwtSecret).toBe('short');
  });

  it('refuses the in-process bus and in-memory store unless ALLOW_EMBEDDED=true', () => {
    const { KAFKA_BROKERS: _k, REDIS_URL: _r, ...embedded } = PRODUCTION;
    expect(problemsOf(embedded)).toEqual([
      'KAFKA_BROKERS: must be set, NODE_ENV=production refuses the in-process bus (or set ALLOW_EMBEDDED=true to run a single node without it) (not set)',
      'REDIS_URL: must be set, NODE_ENV=production refuses the in-memory store (or set ALLOW_EMBEDDED=true to run a single node without it) (not set)',
    ]);
    expect(problemsOf({ ...embedded, KAFKA_BROKERS: 'kafka:9092' })).toEqual([expect.stringMatching(/^REDIS_URL: must be set/)]);
    expect(problemsOf({ ...embedded, ALLOW_EMBEDDED: 'false' })).toHaveLength(2);
    const config = loadConfig({ ...embedded, ALLOW_EMBEDDED: 'true' });
    expect(config).toMatchObject({ allowEmbedded: true, kafkaBrokers: undefined, redisUrl: undefined });
  });

  it('refuses an ALLOW_EMBEDDED that is not true or false', () => {
    expect(problemsOf({ ...PRODUCTION, ALLOW_EMBEDDED: 'yes' })).toEqual(['ALLOW_EMBEDDED: must be true or false (got "yes")']);
  });

  it.each([
    ['AUTH_JWT_SECRET', DEV_JWT_SECRET],
    ['API_SECRET', DEV_API_SECRET],
    ['WEBHOOK_SECRET', DEV_WEBHOOK_SECRET],
  ])('refuses the dev value of %s given explicitly', (name, value) => {
    expect(problemsOf({ ...PRODUCTION, [name]: value })).toEqual([
      `${name}: is the published dev secret, and NODE_ENV=production refuses dev secrets (got "${value}")`,
    ]);
  });

  it('reports malformed values and missing secrets together', () => {
    const problems = problemsOf({ NODE_ENV: 'production', ALLOW_EMBEDDED: 'true', PORT: 'abc', AUTH_JWT_SECRET: 'x'.repeat(32), API_SECRET: 'y'.repeat(32) });
    expect(problems).toEqual([
      'PORT: must be an integer from 0 to 65535 (got "abc")',
      'WEBHOOK_SECRET: must be set, NODE_ENV=production refuses dev secrets (not set)',
    ]);
  });
});

describe('docs and console settings', () => {
  it('serves the docs and an open console in dev mode, neither in production', () => {
    expect(loadConfig({})).toMatchObject({ docsEnabled: true, consoleToken: undefined });
    expect(consoleMode(loadConfig({}))).toBe('open');
    const production = loadConfig(PRODUCTION);
    expect(production.docsEnabled).toBe(false);
    expect(consoleMode(production)).toBe('off');
  });

  it('turns the docs on or off either way and asks for the console token once one is set', () => {
    expect(loadConfig({ ...PRODUCTION, DOCS_ENABLED: 'true' }).docsEnabled).toBe(true);
    expect(loadConfig({ DOCS_ENABLED: 'false' }).docsEnabled).toBe(false);
    const token = 'console-token-0123456789abcdefghijkl';
    expect(consoleMode(loadConfig({ ...PRODUCTION, CONSOLE_TOKEN: token }))).toBe('token');
    expect(consoleMode(loadConfig({ CONSOLE_TOKEN: 'short' }))).toBe('token');
  });

  it('refuses a short console token in production without quoting it, and a malformed DOCS_ENABLED', () => {
    expect(problemsOf({ ...PRODUCTION, CONSOLE_TOKEN: 'short-token' })).toEqual(['CONSOLE_TOKEN: must be at least 32 bytes in production (got 11 bytes)']);
    expect(problemsOf({ DOCS_ENABLED: 'yes' })).toEqual(['DOCS_ENABLED: must be true or false (got "yes")']);
    expect(problemsOf({ CONSOLE_TOKEN: 'my console token' }).join('\n')).not.toContain('my console token');
    expect(problemsOf({ CONSOLE_TOKEN: 'my console token' })).toEqual([expect.stringMatching(/^CONSOLE_TOKEN: must not contain spaces/)]);
  });
});

describe('describeConfig', () => {
  it('summarises without any secret value', () => {
    const config = loadConfig({
      ...PRODUCTION,
      REDIS_URL: 'redis://user:redis-password@cache:6379/0',
      KAFKA_BROKERS: 'kafka:9092',
    });
    const summary = describeConfig(config);
    const text = JSON.stringify(summary);
    for (const secret of [PRODUCTION.AUTH_JWT_SECRET, PRODUCTION.API_SECRET, PRODUCTION.WEBHOOK_SECRET, 'redis-password']) {
      expect(text).not.toContain(secret);
    }
    expect(summary.store).toEqual({ kind: 'redis', url: 'redis://user:redacted@cache:6379/0' });
    expect(summary.bus).toEqual({ kind: 'kafka', client: 'kafkajs', brokers: ['kafka:9092'], topicPrefix: 'switchyard.', partitions: 3, clientId: 'switchyard' });
    expect(summary.auth).toEqual({ mode: 'jwt-secret' });
    expect(summary.port).toBe(8080);
    expect(summary.webhooks).toEqual({ allowedNetworks: [], registrationsPerMinute: 10 });
    expect(summary.tokenRules).toEqual({ authIssuer: undefined, authAudience: undefined, authMaxTokenAgeMs: 86_400_000, authClockToleranceMs: 30_000 });
    expect(summary.web).toEqual({ docs: false, console: 'off' });
  });

  it('says which secrets are dev ones, and where JWKS comes from', () => {
    const summary = describeConfig(loadConfig({ AUTH_JWKS_URL: 'https://id.example.com/jwks' }));
    expect(summary.devMode).toBe(true);
    expect(summary.devSecrets).toEqual(['API_SECRET', 'WEBHOOK_SECRET']);
    expect(summary.auth).toEqual({ mode: 'jwks', jwksUrl: 'https://id.example.com/jwks' });
    expect(summary.store).toEqual({ kind: 'memory' });
    expect(summary.bus).toEqual({ kind: 'memory' });
  });
});

describe('forwarded requests (ACTION_BACKENDS, ACTION_TIMEOUT_MS)', () => {
  it('has no back-end and a 5 s timeout by default', () => {
    const config = loadConfig({});
    expect(config.actionBackends.size).toBe(0);
    expect(config.actionTimeoutMs).toBe(5000);
  });

  it('reads name=URL pairs', () => {
    const config = loadConfig({ ACTION_BACKENDS: 'games=http://quiz:9000/actions, chess=https://chess.internal/x', ACTION_TIMEOUT_MS: '250' });
    expect([...config.actionBackends]).toEqual([
      ['games', 'http://quiz:9000/actions'],
      ['chess', 'https://chess.internal/x'],
    ]);
    expect(config.actionTimeoutMs).toBe(250);
  });

  it.each(['games', 'games=ftp://x', 'Games=http://x', 'games=http://a,games=http://b', 'games=not a url'])('refuses %j', (value) => {
    expect(() => loadConfig({ ACTION_BACKENDS: value })).toThrow(/ACTION_BACKENDS: must be a comma-separated list of name=http\(s\)-URL/);
  });

  it('refuses a timeout of 0', () => {
    expect(() => loadConfig({ ACTION_TIMEOUT_MS: '0' })).toThrow(/ACTION_TIMEOUT_MS: must be a whole number of milliseconds from 1/);
  });

  it('summarises back-end URLs with their passwords masked', () => {
    const summary = describeConfig(loadConfig({ ACTION_BACKENDS: 'games=http://gw:s3cret@quiz:9000/actions' }));
    expect(summary.actions).toEqual({ backends: { games: 'http://gw:redacted@quiz:9000/actions' }, timeoutMs: 5000 });
  });
});

describe('tracing (OTEL_*)', () => {
  const tracing = (env: NodeJS.ProcessEnv) => loadConfig(env).tracing;

  it('is off by default, and when OTEL_TRACES_EXPORTER=none or OTEL_SDK_DISABLED=true', () => {
    expect(tracing({})).toBeUndefined();
    expect(tracing({ OTEL_SERVICE_NAME: 'edge', OTEL_TRACES_SAMPLER: 'always_on' })).toBeUndefined();
    expect(tracing({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBeUndefined();
    expect(tracing({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' })).toBeUndefined();
  });

  it('is on with OTEL_TRACES_EXPORTER=otlp (to localhost:4318 by default) or with an endpoint alone', () => {
    expect(tracing({ OTEL_TRACES_EXPORTER: 'otlp' })).toEqual({
      tracesUrl: 'http://localhost:4318/v1/traces', serviceName: 'switchyard', sampler: 'parentbased_always_on', samplerRatio: 1,
    });
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })?.tracesUrl).toBe('http://collector:4318/v1/traces');
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector/otlp/' })?.tracesUrl).toBe('https://collector/otlp/v1/traces');
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/custom' })?.tracesUrl).toBe('http://b:4318/custom');
  });

  it('takes the service name and sampler', () => {
    expect(tracing({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SERVICE_NAME: 'edge-eu', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' })).toMatchObject({
      serviceName: 'edge-eu', sampler: 'parentbased_traceidratio', samplerRatio: 0.25,
    });
  });

  it('refuses malformed values, naming each', () => {
    expect(problemsOf({
      OTEL_TRACES_EXPORTER: 'zipkin',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      OTEL_TRACES_SAMPLER: 'sometimes',
      OTEL_TRACES_SAMPLER_ARG: '1.5',
      OTEL_SDK_DISABLED: 'yes',
    })).toEqual([
      'OTEL_SDK_DISABLED: must be true or false (got "yes")',
      'OTEL_TRACES_EXPORTER: must be otlp or none (Switchyard exports traces over OTLP/HTTP only) (got "zipkin")',
      'OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL (got "collector:4318")',
      expect.stringMatching(/^OTEL_TRACES_SAMPLER: must be one of always_on, .* \(got "sometimes"\)$/),
      'OTEL_TRACES_SAMPLER_ARG: must be a number from 0 to 1 (got "1.5")',
    ]);
  });

  it('is summarised with the endpoint\'s password masked', () => {
    expect(describeConfig(loadConfig({})).tracing).toEqual({ enabled: false });
    expect(describeConfig(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://u:pw@collector' })).tracing).toMatchObject({
      enabled: true, tracesUrl: 'https://u:redacted@collector/v1/traces',
    });
  });
});

describe('WORKERS', () => {
  const shared = { KAFKA_BROKERS: 'kafka:9092', REDIS_URL: 'redis://cache:6379' };

  it('auto: one per core with Kafka and Redis, else one process', () => {
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({ KAFKA_BROKERS: 'kafka:9092' }).workers).toBe(1);
    expect(loadConfig(shared).workers).toBe(availableParallelism());
    expect(loadConfig({ ...shared, WORKERS: 'auto' }).workers).toBe(availableParallelism());
  });

  it('takes a number; more than one needs the shared bus and store', () => {
    expect(loadConfig({ ...shared, WORKERS: '3' }).workers).toBe(3);
    expect(loadConfig({ WORKERS: '1' }).workers).toBe(1);
    expect(problemsOf({ WORKERS: '2', KAFKA_BROKERS: 'kafka:9092' })).toEqual([
      'WORKERS: more than one worker needs KAFKA_BROKERS and REDIS_URL, which the workers share (got "2")',
    ]);
  });

  it.each(['0', '257', 'two', '1.5'])('refuses %s', (value) => {
    expect(problemsOf({ ...shared, WORKERS: value })).toEqual([`WORKERS: must be auto or an integer from 1 to 256 (got "${value}")`]);
  });
});

describe('platformaticSupports', () => {
  it.each([
    ['20.20.2', false],
    ['22.21.1', false],
    ['22.22.0', true],
    ['23.1.0', true],
    ['24.5.0', false],
    ['24.6.0', true],
    ['25.0.0', true],
  ])('Node %s: %s', (version, supported) => {
    expect(platformaticSupports(version)).toBe(supported);
  });
});
