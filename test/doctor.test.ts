// `switchyard doctor`: the findings from configuration and secrets, and against the real Kafka and
// Redis the Jest global setup starts, and as a process (output and exit code).
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { diagnose, exitCodeOf, renderFindings, secretFindings } from '../src/cli/doctor';
import { forwardedBackends } from '../src/cli/doctor-actions';
import { kafkaFindings } from '../src/cli/doctor-kafka';
import { parseInfo, persistenceFindings } from '../src/cli/doctor-redis';
import type { Finding } from '../src/cli/findings';
import { catalogues } from '../generated';
import { loadConfig } from '../src/config';
import { startGateway } from './helpers/gateway';
import { CLI, ROOT, cleanEnv, freePort } from './helpers/process';
import { describeWithKafka, describeWithRedis } from './services/services';

const STRONG = 'Zr8vQ2mX9pL4kT7wB1nC6yH3jD5fG0sA'; // 32 bytes, 32 distinct characters
const PRODUCTION = { NODE_ENV: 'production', AUTH_JWT_SECRET: STRONG, API_SECRET: STRONG, WEBHOOK_SECRET: STRONG };

function runDoctor(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CLI, 'doctor', ...args], { cwd: ROOT, env: { ...cleanEnv(), ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const of = (findings: Finding[], check: string) => findings.filter((f) => f.check === check);

/** An HTTP server that answers every request 405 (as an action endpoint answers a HEAD); its base URL. */
async function actionBackend(): Promise<{ url: string; close: () => void }> {
  const server = createServer((_req, res) => res.writeHead(405).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/actions`, close: () => server.close() };
}

describe('doctor findings without services', () => {
  it('reports every configuration problem as a failure, as serve would refuse to start', async () => {
    const findings = await diagnose({ NODE_ENV: 'production', PORT: 'x' }, 1000);
    expect(findings.every((f) => f.check === 'config' && f.status === 'fail')).toBe(true);
    expect(findings.map((f) => f.detail)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^PORT:/), expect.stringMatching(/^AUTH_JWT_SECRET:/), expect.stringMatching(/^KAFKA_BROKERS:/)]),
    );
    expect(exitCodeOf(findings, false)).toBe(1);
  });

  it('passes a development setup, warning about the dev secrets', async () => {
    const findings = await diagnose({}, 1000);
    expect(exitCodeOf(findings, false)).toBe(0);
    expect(exitCodeOf(findings, true)).toBe(1);
    expect(of(findings, 'secret').map((f) => f.status)).toEqual(['warn', 'warn', 'warn']);
    expect(of(findings, 'kafka')).toEqual([expect.objectContaining({ status: 'ok', detail: expect.stringContaining('in-process') })]);
  });

  it('warns that an allowed embedded production node keeps its state in one process', async () => {
    const findings = await diagnose({ ...PRODUCTION, ALLOW_EMBEDDED: 'true' }, 1000);
    expect(of(findings, 'kafka')[0].status).toBe('warn');
    expect(of(findings, 'redis')[0].status).toBe('warn');
    expect(of(findings, 'secret').map((f) => f.status)).toEqual(['ok', 'ok', 'ok']);
  });

  it('judges secret strength without printing a secret', () => {
    const config = loadConfig({ AUTH_JWT_SECRET: 'short', API_SECRET: 'a'.repeat(40), WEBHOOK_SECRET: STRONG });
    const findings = secretFindings(config);
    expect(findings.map((f) => f.status)).toEqual(['warn', 'warn', 'ok']);
    expect(findings[0].detail).toContain('5 bytes');
    expect(findings[1].detail).toContain('distinct characters');
    expect(JSON.stringify(findings)).not.toContain(STRONG);
  });

  it('fails fast, naming the address, when Kafka or Redis cannot be reached', async () => {
    const closed = await freePort();
    const findings = await diagnose({ KAFKA_BROKERS: `127.0.0.1:${closed}`, REDIS_URL: `redis://127.0.0.1:${closed}` }, 2000);
    expect(of(findings, 'kafka')).toEqual([expect.objectContaining({ status: 'fail', detail: expect.stringContaining(`cannot reach 127.0.0.1:${closed}`) })]);
    expect(of(findings, 'redis')).toEqual([expect.objectContaining({ status: 'fail', detail: expect.stringContaining(`cannot reach redis://127.0.0.1:${closed}`) })]);
    expect(exitCodeOf(findings, false)).toBe(1);
  });

  it('reads the keys at AUTH_JWKS_URL, failing on an error or an empty set, without printing a password', async () => {
    const bodies: Record<string, [number, unknown]> = { '/good': [200, { keys: [{ kty: 'OKP' }, { kty: 'EC' }] }], '/empty': [200, { keys: [] }], '/gone': [404, {}] };
    const server = createServer((req, res) => {
      const [status, body] = bodies[req.url ?? ''] ?? [500, {}];
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const jwks = async (path: string) => of(await diagnose({ AUTH_JWKS_URL: base + path }, 2000), 'jwks')[0];
      expect(await jwks('/good')).toMatchObject({ status: 'ok', detail: expect.stringContaining('2 keys') });
      expect(await jwks('/empty')).toMatchObject({ status: 'fail', detail: expect.stringContaining('holds no keys') });
      expect(await jwks('/gone')).toMatchObject({ status: 'fail', detail: expect.stringContaining('answered 404') });
      const [withPassword] = of(await diagnose({ AUTH_JWKS_URL: base.replace('//', '//user:jwks-password@') + '/good' }, 2000), 'jwks');
      expect(withPassword.status).toBe('fail');
      expect(JSON.stringify(withPassword)).not.toContain('jwks-password');
    } finally {
      server.close();
    }
  });

  it('reads AOF and eviction from INFO', () => {
    const info = parseInfo('# Persistence\r\naof_enabled:1\r\naof_last_write_status:ok\r\n\r\n# Memory\r\nmaxmemory:1000\r\nmaxmemory_policy:allkeys-lru\r\n');
    expect(info).toMatchObject({ aof_enabled: '1', maxmemory_policy: 'allkeys-lru' });
    expect(persistenceFindings(info, 'everysec').map((f) => [f.check, f.status])).toEqual([
      ['redis-persistence', 'ok'],
      ['redis-memory', 'warn'],
    ]);
    expect(persistenceFindings({ aof_enabled: '0', maxmemory: '0' }, undefined)[0].status).toBe('warn');
    expect(persistenceFindings({ aof_enabled: '1', aof_last_write_status: 'err' }, 'always')[0].status).toBe('fail');
  });

  it('finds every back-end the specs forward requests to in the generated catalogue', () => {
    expect(forwardedBackends(catalogues)).toEqual(new Map([['games', ['games/next_question-request', 'games/answer-request', 'games/check-request']]]));
  });

  it('fails when a forwarded back-end has no ACTION_BACKENDS entry (a warning in development), naming the requests it leaves unanswered', async () => {
    const production = of(await diagnose({ ...PRODUCTION, ALLOW_EMBEDDED: 'true' }, 1000), 'action');
    expect(production).toEqual([expect.objectContaining({ status: 'fail', detail: expect.stringContaining('games: not in ACTION_BACKENDS, so the requests forwarded to it (games/next_question-request, games/answer-request, games/check-request) are answered 503') })]);
    expect(exitCodeOf(production, false)).toBe(1);
    expect(of(await diagnose({}, 1000), 'action')).toEqual([expect.objectContaining({ status: 'warn', data: expect.objectContaining({ backend: 'games' }) })]);
  });

  it('checks that a configured back-end answers, without printing its password', async () => {
    const backend = await actionBackend();
    const closed = await freePort();
    try {
      const action = async (url: string) => of(await diagnose({ ...PRODUCTION, ALLOW_EMBEDDED: 'true', ACTION_BACKENDS: `games=${url}` }, 1000), 'action');
      expect(await action(backend.url)).toEqual([expect.objectContaining({ status: 'ok', detail: `games: ${backend.url} answers (HTTP 405)` })]);
      const withPassword = await action(backend.url.replace('//', '//gw:action-password@'));
      expect(withPassword[0].status).toBe('ok');
      expect(JSON.stringify(withPassword)).not.toContain('action-password');
      const down = await action(`http://gw:action-password@127.0.0.1:${closed}/actions`);
      expect(down).toEqual([expect.objectContaining({ status: 'fail', detail: expect.stringContaining(`127.0.0.1:${closed}/actions does not answer within 1000 ms`) })]);
      expect(JSON.stringify(down)).not.toContain('action-password');
      expect(exitCodeOf(down, false)).toBe(1);
    } finally {
      backend.close();
    }
  });

  it('renders one line per finding and a count', () => {
    const text = renderFindings([
      { check: 'config', status: 'ok', detail: 'valid' },
      { check: 'kafka', status: 'fail', detail: 'cannot reach k:9092' },
    ]);
    expect(text).toBe('ok    config  valid\nFAIL  kafka   cannot reach k:9092\n\n1 problem, 0 warnings\n');
  });
});

describe('switchyard doctor as a process', () => {
  it('prints the findings and exits 1 on a bad configuration', async () => {
    const r = await runDoctor([], { NODE_ENV: 'production' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL {2}config {2}AUTH_JWT_SECRET: must be set/m);
  });

  it('exits 0 on a development setup and 1 with --strict; --json prints the same findings', async () => {
    expect((await runDoctor([], {})).code).toBe(0);
    const strict = await runDoctor(['--strict', '--json'], {});
    expect(strict.code).toBe(1);
    const report = JSON.parse(strict.stdout) as { ok: boolean; findings: Finding[] };
    expect(report.ok).toBe(false);
    expect(report.findings.map((f) => f.check)).toEqual(['config', 'secret', 'secret', 'secret', 'kafka', 'redis', 'action']);
  });

  it('refuses a bad --timeout as a usage error', async () => {
    const r = await runDoctor(['--timeout', 'soon'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: switchyard doctor');
  });
});

describeWithKafka('doctor against real Kafka', (brokers) => {
  describeWithRedis('and real Redis', (redisUrl) => {
    const run = randomUUID().slice(0, 8);
    let backend: { url: string; close: () => void };
    beforeAll(async () => {
      backend = await actionBackend();
      env.ACTION_BACKENDS = `games=${backend.url}`;
    });
    afterAll(() => backend.close());
    const env: Record<string, string> = {
      ...PRODUCTION,
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC_PREFIX: `doctor-${run}.`,
      KAFKA_CLIENT_ID: `doctor-${run}`,
      REDIS_URL: redisUrl,
    };

    it('reports missing topics before the first serve, then topics, partitions, lag and Redis persistence', async () => {
      const before = await diagnose(env, 10_000);
      expect(of(before, 'kafka')[0]).toMatchObject({ status: 'ok', detail: expect.stringContaining('1 brokers') });
      expect(of(before, 'topic')).toHaveLength(10);
      expect(of(before, 'topic').every((f) => f.status === 'warn' && f.detail.includes('missing'))).toBe(true);
      expect(of(before, 'redis')[0]).toMatchObject({ status: 'ok', detail: expect.stringMatching(/reached redis:\/\/.*\(Redis \d/) });
      expect(exitCodeOf(before, false)).toBe(0);

      // A node creates the topics and its groups; once it is gone, records for the events API wait.
      const gw = await startGateway({ ...env, LOG_LEVEL: 'silent' });
      await gw.stop();
      const kafka = new Kafka({ brokers, clientId: `doctor-${run}-producer`, logLevel: logLevel.NOTHING });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: `doctor-${run}.events`, messages: [{ value: 'not json' }, { value: 'not json' }, { value: 'not json' }] });
      await producer.disconnect();

      const after = await diagnose(env, 10_000);
      const topics = of(after, 'topic');
      expect(topics.map((f) => f.data?.topic)).toContain(`doctor-${run}.events.dlq`);
      expect(topics.find((f) => f.data?.topic === `doctor-${run}.events`)).toMatchObject({
        status: 'ok',
        data: { partitions: 3, records: 3, leaderless: 0 },
      });
      expect(of(after, 'group').find((f) => f.data?.group === `doctor-${run}.work.events`)).toMatchObject({
        status: 'warn',
        data: { members: 0, lag: 3 },
        detail: expect.stringContaining('no node is consuming'),
      });
      expect(exitCodeOf(after, false)).toBe(0);
    }, 90_000);

    // scripts/redis.sh runs the test Redis with appendonly no; the AOF-on reading is held by the INFO
    // test above (switching AOF on here would rewrite the AOF under every other suite's feet).
    it('says that the test Redis runs without AOF, reading its real INFO', async () => {
      const admin = new Redis(redisUrl);
      try {
        expect(await admin.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
      } finally {
        admin.disconnect();
      }
      expect(of(await diagnose(env, 5000), 'redis-persistence')[0]).toMatchObject({
        status: 'warn',
        detail: expect.stringContaining('AOF is off'),
        data: { aof: false, appendfsync: 'everysec' },
      });
    }, 30_000);

    it('exits 0 as a process when everything answers', async () => {
      const r = await runDoctor(['--json'], env);
      const report = JSON.parse(r.stdout) as { ok: boolean; findings: Finding[] };
      expect(report.findings.filter((f) => f.status === 'fail')).toEqual([]);
      expect(r.code).toBe(0);
    }, 30_000);
  });
});

// kafkaFindings on topics and groups made by hand (no gateway): dead letters, lag from a committed
// offset, idle fanout groups, and groups of other client ids left alone.
describeWithKafka('kafkaFindings (src/cli/doctor-kafka.ts) directly', (brokers) => {
  const run = randomUUID().slice(0, 8);
  const config = { kafkaBrokers: brokers, kafkaTopicPrefix: `dk-${run}.`, kafkaClientId: `dk-${run}`, kafkaPartitions: 3 };
  const kafka = new Kafka({ brokers, clientId: `dk-${run}-setup`, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  it('no topics and no groups yet: every topic is missing, and it says serve creates them', async () => {
    const findings = await kafkaFindings(config, 10_000);
    expect(of(findings, 'kafka')).toEqual([expect.objectContaining({ status: 'ok', detail: expect.stringMatching(/^reached .*: 1 brokers \(controller \d+\)$/) })]);
    expect(of(findings, 'topic')).toContainEqual(expect.objectContaining({ status: 'warn', detail: `dk-${run}.pizza.dlq is missing (serve creates it with 3 partitions on start)` }));
    expect(of(findings, 'group')).toEqual([expect.objectContaining({ status: 'ok', detail: `no consumer groups of KAFKA_CLIENT_ID=dk-${run} yet (serve creates them)` })]);
  });

  it('dead letters warn; lag counts from the committed offset; idle fanout groups are only counted; other client ids are not read', async () => {
    const topic = `dk-${run}.pizza`;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }, { topic: `${topic}.dlq`, numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: '1' }, { value: '2' }, { value: '3' }] });
    await producer.send({ topic: `${topic}.dlq`, messages: [{ value: 'bad' }] });
    await producer.disconnect();
    // Offsets committed by hand make each group exist, empty.
    const commit = (groupId: string, offset: string) => admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset }] });
    await commit(`dk-${run}.work.pizza`, '1');
    await commit(`dk-${run}.fanout.pizza.node-a.1`, '3');
    await commit(`dk-${run}.fanout.pizza.node-b.1`, '0');
    await commit(`dk-${run}x.work.pizza`, '0'); // another client id that shares the prefix's first letters

    const findings = await kafkaFindings(config, 10_000);
    expect(of(findings, 'topic').find((f) => f.data?.topic === topic)).toMatchObject({ status: 'ok', detail: `${topic}: 1 partitions, 3 records held` });
    expect(of(findings, 'topic').find((f) => f.data?.topic === `${topic}.dlq`)).toMatchObject({
      status: 'warn',
      detail: `${topic}.dlq: 1 partitions, 1 records held: dead letters (each carries its reason in the dlq-reason header)`,
    });
    expect(of(findings, 'group')).toEqual([
      expect.objectContaining({ status: 'warn', detail: `dk-${run}.work.pizza: Empty, 0 members, lag 2 on ${topic}: no node is consuming, that work waits`, data: expect.objectContaining({ lag: 2 }) }),
      expect.objectContaining({ status: 'ok', detail: '2 empty fanout groups left by stopped nodes (Kafka expires them)' }),
    ]);
  }, 60_000);
});
