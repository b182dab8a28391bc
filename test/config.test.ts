import {
  ConfigError,
  DEV_API_SECRET,
  DEV_JWT_SECRET,
  DEV_WEBHOOK_SECRET,
  describeConfig,
  loadConfig,
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
  AUTH_JWT_SECRET: 'prod-jwt-secret-0123456789',
  API_SECRET: 'prod-api-secret-0123456789',
  WEBHOOK_SECRET: 'prod-webhook-secret-0123456789',
};

describe('loadConfig defaults', () => {
  const config = loadConfig({});

  it('serves on 127.0.0.1:8080 with info logs', () => {
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.logLevel).toBe('info');
    expect(config.nodeEnv).toBe('development');
  });

  it('uses the in-process bus and in-memory store', () => {
    expect(config.kafkaBrokers).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.kafkaTopicPrefix).toBe('switchyard.');
    expect(config.kafkaPartitions).toBe(3);
    expect(config.kafkaClientId).toBe('switchyard');
  });

  it('has the documented timings and limits as numbers', () => {
    expect(config).toMatchObject({
      pollTimeoutMs: 5000,
      messengerPollTimeoutMs: 25000,
      bodyLimitBytes: 1048576,
      ticketTtlMs: 60000,
      webhookRetryScheduleMs: [1000, 2000, 5000, 10000, 30000, 60000],
      webhookTimeoutMs: 5000,
      wsPingIntervalMs: 27000,
      wsPongTimeoutMs: 30000,
      wsMaxBufferedBytes: 4194304,
      wsMaxFrameBytes: 65536,
      shutdownTimeoutMs: 10000,
      dependencyTimeoutMs: 3000,
      dependencyReconnectMs: 500,
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
      AUTH_JWT_SECRET: 'jwt',
      API_SECRET: 'api',
      WEBHOOK_SECRET: 'hook',
      KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9093,[::1]:9094',
      KAFKA_TOPIC_PREFIX: 'sy-',
      KAFKA_PARTITIONS: '12',
      KAFKA_CLIENT_ID: 'gw-1',
      REDIS_URL: 'rediss://cache.internal:6380/2',
      POLL_TIMEOUT_MS: '0',
      MESSENGER_POLL_TIMEOUT_MS: '100',
      BODY_LIMIT_BYTES: '2048',
      TICKET_TTL_MS: '1',
      WEBHOOK_RETRY_SCHEDULE_MS: '10, 20,30',
      WEBHOOK_TIMEOUT_MS: '250',
      WS_PING_INTERVAL_MS: '1000',
      WS_PONG_TIMEOUT_MS: '2000',
      WS_MAX_BUFFERED_BYTES: '4096',
      WS_MAX_FRAME_BYTES: '512',
      SHUTDOWN_TIMEOUT_MS: '300',
      DEPENDENCY_TIMEOUT_MS: '1500',
      DEPENDENCY_RECONNECT_MS: '100',
    });
    expect(config).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      logLevel: 'debug',
      authJwtSecret: 'jwt',
      apiSecret: 'api',
      webhookSecret: 'hook',
      kafkaBrokers: ['kafka-1:9092', 'kafka-2:9093', '[::1]:9094'],
      kafkaTopicPrefix: 'sy-',
      kafkaPartitions: 12,
      kafkaClientId: 'gw-1',
      redisUrl: 'rediss://cache.internal:6380/2',
      pollTimeoutMs: 0,
      messengerPollTimeoutMs: 100,
      bodyLimitBytes: 2048,
      ticketTtlMs: 1,
      webhookRetryScheduleMs: [10, 20, 30],
      webhookTimeoutMs: 250,
      wsPingIntervalMs: 1000,
      wsPongTimeoutMs: 2000,
      wsMaxBufferedBytes: 4096,
      wsMaxFrameBytes: 512,
      shutdownTimeoutMs: 300,
      dependencyTimeoutMs: 1500,
      dependencyReconnectMs: 100,
      devSecrets: [],
    });
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
    ['KAFKA_PARTITIONS', '0', 'KAFKA_PARTITIONS: must be an integer from 1 to 10000 (got "0")'],
    ['KAFKA_BROKERS', 'kafka:9092,kafka', 'KAFKA_BROKERS: must be a comma-separated list of host:port (got "kafka:9092,kafka")'],
    ['KAFKA_BROKERS', 'kafka:0', 'KAFKA_BROKERS: must be a comma-separated list of host:port (got "kafka:0")'],
    ['KAFKA_TOPIC_PREFIX', 'a b', 'KAFKA_TOPIC_PREFIX: may only contain letters, digits, ".", "_" and "-" (Kafka topic characters) (got "a b")'],
    ['REDIS_URL', 'http://cache:6379', 'REDIS_URL: must be a redis:// or rediss:// URL (got "http://cache:6379")'],
    ['REDIS_URL', 'cache:6379', 'REDIS_URL: must be a redis:// or rediss:// URL (got "cache:6379")'],
    ['AUTH_JWKS_URL', 'not a url', 'AUTH_JWKS_URL: must be an http(s) URL (got "not a url")'],
    ['WEBHOOK_RETRY_SCHEDULE_MS', '1000,soon', 'WEBHOOK_RETRY_SCHEDULE_MS: must be a comma-separated list of whole numbers of milliseconds up to 2147483647 (got "1000,soon")'],
  ])('%s=%s is refused', (name, value, problem) => {
    expect(problemsOf({ [name]: value })).toEqual([problem]);
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
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      'AUTH_JWT_SECRET: must be set (or AUTH_JWKS_URL), NODE_ENV=production refuses dev secrets (not set)',
      'API_SECRET: must be set, NODE_ENV=production refuses dev secrets (not set)',
      'WEBHOOK_SECRET: must be set, NODE_ENV=production refuses dev secrets (not set)',
    ]);
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
    const problems = problemsOf({ NODE_ENV: 'production', PORT: 'abc', AUTH_JWT_SECRET: 'x', API_SECRET: 'y' });
    expect(problems).toEqual([
      'PORT: must be an integer from 0 to 65535 (got "abc")',
      'WEBHOOK_SECRET: must be set, NODE_ENV=production refuses dev secrets (not set)',
    ]);
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
    expect(summary.bus).toEqual({ kind: 'kafka', brokers: ['kafka:9092'], topicPrefix: 'switchyard.', partitions: 3, clientId: 'switchyard' });
    expect(summary.auth).toEqual({ mode: 'jwt-secret' });
    expect(summary.port).toBe(8080);
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
