// `switchyard doctor`: loads the configuration exactly as `serve` does, judges the secrets, reaches
// the identity keys, Kafka and Redis when configured, prints what it found and exits non-zero when
// something is wrong (with --strict, also when something only looks wrong).
import { ConfigError, MIN_SECRET_BYTES, describeConfig, loadConfig, type Config, type SecretName } from '../config';
import { parseOptions, UsageError, type Command } from './command';
import { actionFindings } from './doctor-actions';
import { kafkaFindings } from './doctor-kafka';
import { redisFindings } from './doctor-redis';
import { errorText, fail, ok, warn, type Finding } from './findings';

const DOCTOR_USAGE = [
  'usage: switchyard doctor [--json] [--strict] [--timeout <ms>]',
  '',
  'Checks what `serve` would run with, from the same environment: the configuration (the same',
  'validation as serve), the strength of each secret, the JWKS URL, Kafka (brokers, every API topic',
  'and its dead-letter topic with partitions and records, the consumer groups and their lag) and',
  'Redis (reachable, primary, AOF persistence, eviction policy), and the back-end of every request the',
  'specs forward (a URL in ACTION_BACKENDS that answers). Exit code 0 when nothing is wrong, 1 when',
  'something is (or, with --strict, when anything deserves a warning).',
  '',
  '  --json          print the findings as one JSON document instead of lines',
  '  --strict        warnings count as failures',
  '  --timeout <ms>  how long each dependency may take to answer (default 5000)',
  '  -h, --help',
].join('\n');

// Fewer distinct characters than this in a secret of any length suggests a placeholder (`aaaa...`).
const MIN_DISTINCT_CHARACTERS = 8;

export function secretFindings(config: Config): Finding[] {
  const secrets: Array<[SecretName, string | undefined]> = [
    ['AUTH_JWT_SECRET', config.authJwtSecret],
    ['API_SECRET', config.apiSecret],
    ['WEBHOOK_SECRET', config.webhookSecret],
  ];
  return secrets.map(([name, value]): Finding => {
    if (value === undefined) return ok('secret', `${name}: not used, tokens are verified with keys from AUTH_JWKS_URL`, { name });
    const bytes = Buffer.byteLength(value);
    const data = { name, bytes };
    if (config.devSecrets.includes(name)) return warn('secret', `${name}: the published dev value (development only; production refuses it)`, data);
    if (bytes < MIN_SECRET_BYTES) return warn('secret', `${name}: ${bytes} bytes, shorter than the ${MIN_SECRET_BYTES} production requires`, data);
    if (new Set(value).size < MIN_DISTINCT_CHARACTERS) return warn('secret', `${name}: ${bytes} bytes but only ${new Set(value).size} distinct characters: use a random value (openssl rand -base64 48)`, data);
    return ok('secret', `${name}: ${bytes} bytes`, data);
  });
}

/** `shown` is the URL as printed (its password masked). */
async function jwksFindings(url: string, shown: string, timeoutMs: number): Promise<Finding[]> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return [fail('jwks', `${shown} answered ${res.status}`, { url: shown, status: res.status })];
    const body = (await res.json()) as { keys?: unknown };
    const keys = Array.isArray(body.keys) ? body.keys.length : 0;
    if (keys === 0) return [fail('jwks', `${shown} holds no keys ({"keys": [...]} expected)`, { url: shown, keys })];
    return [ok('jwks', `${shown}: ${keys} keys`, { url: shown, keys })];
  } catch (err) {
    // fetch quotes the URL in some errors (e.g. one carrying credentials): print it masked there too.
    return [fail('jwks', `cannot read ${shown}: ${errorText(err).split(url).join(shown)}`, { url: shown })];
  }
}

function embeddedFinding(config: Config, check: string, what: string): Finding {
  if (config.devMode) return ok(check, `${what} (development)`);
  return warn(check, `${what}: ALLOW_EMBEDDED=true runs one node whose state is lost when it stops`);
}

/** Every finding for `env`; never throws. */
export async function diagnose(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Finding[]> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((problem) => fail('config', problem));
    throw err;
  }
  const summary = describeConfig(config);
  const findings: Finding[] = [
    ok('config', `valid: NODE_ENV=${config.nodeEnv}, serving ${config.host}:${config.port}, bus ${summary.bus.kind}, store ${summary.store.kind}`, { ...summary }),
    ...secretFindings(config),
  ];
  const checks: Array<Promise<Finding[]>> = [actionFindings(config, timeoutMs)];
  if (config.authJwksUrl !== undefined && summary.auth.mode === 'jwks') checks.push(jwksFindings(config.authJwksUrl, summary.auth.jwksUrl, timeoutMs));
  if (config.kafkaBrokers !== undefined) checks.push(kafkaFindings({ ...config, kafkaBrokers: config.kafkaBrokers }, timeoutMs));
  else findings.push(embeddedFinding(config, 'kafka', 'not configured: the in-process bus, which reaches this node only'));
  if (summary.store.kind === 'redis' && config.redisUrl !== undefined) checks.push(redisFindings(config.redisUrl, summary.store.url, timeoutMs));
  else findings.push(embeddedFinding(config, 'redis', 'not configured: the in-memory store'));
  for (const more of await Promise.all(checks)) findings.push(...more);
  return findings;
}

const LABEL: Record<Finding['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

export function renderFindings(findings: readonly Finding[]): string {
  const width = Math.max(...findings.map((f) => f.check.length));
  const lines = findings.map((f) => `${LABEL[f.status]}  ${f.check.padEnd(width)}  ${f.detail}`);
  const failures = findings.filter((f) => f.status === 'fail').length;
  const warnings = findings.filter((f) => f.status === 'warn').length;
  lines.push('', `${failures} ${failures === 1 ? 'problem' : 'problems'}, ${warnings} ${warnings === 1 ? 'warning' : 'warnings'}`);
  return `${lines.join('\n')}\n`;
}

export function exitCodeOf(findings: readonly Finding[], strict: boolean): number {
  return findings.some((f) => f.status === 'fail' || (strict && f.status === 'warn')) ? 1 : 0;
}

export const doctorCommand: Command = {
  summary: 'check the configuration, secrets, Kafka, Redis and action back-ends; exits non-zero when something is wrong',
  usage: DOCTOR_USAGE,
  async run(argv, out) {
    const values = parseOptions(argv, { json: { type: 'boolean' }, strict: { type: 'boolean' }, timeout: { type: 'string' } }, DOCTOR_USAGE);
    const timeoutMs = values.timeout === undefined ? 5000 : Number(values.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new UsageError(`--timeout must be a whole number of milliseconds (got "${values.timeout}")`, DOCTOR_USAGE);
    const findings = await diagnose(process.env, timeoutMs);
    const code = exitCodeOf(findings, values.strict === true);
    out.write(values.json ? `${JSON.stringify({ ok: code === 0, findings }, null, 2)}\n` : renderFindings(findings));
    return code;
  },
};
