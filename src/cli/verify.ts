// `switchyard verify --pact <file|dir|url> ...` or `--broker-url <url> [selectors]`: verifies
// consumer pacts against a throwaway Switchyard (embedded bus and store, secrets of its own) and
// prints a short report; exit 0 only when every interaction passes. The verification runs in a child
// process (src/pact-verification/worker.ts), whose native verifier log is shown only with --verbose.
import { fork } from 'node:child_process';
import { extname, join } from 'node:path';
import { report } from '../pact-verification/report';
import { brokerAuth, describeSource, localSource, withoutUndefined, type BrokerSource, type ConsumerVersionSelector, type PactSource } from '../pact-verification/sources';
import type { WorkerAnswer, WorkerRequest } from '../pact-verification/worker';
import { parseOptions, UsageError, type Command, type Output } from './command';

export const VERIFY_USAGE = [
  'usage: switchyard verify --pact <file|dir|url> [--pact ...] [--verbose]',
  '       switchyard verify --broker-url <url> [selectors] [--enable-pending] [--include-wip-pacts-since <date>]',
  '                         [--publish --provider-version <version> [--provider-branch <branch>] [--build-url <url>]]',
  '',
  "Verifies consumer pacts (provider \"switchyard\") against a throwaway Switchyard: HTTP interactions",
  'against a real gateway, message interactions by their {api, message} metadata, provider states as',
  'documented, and every interaction against the specs. Prints each failing interaction with the field',
  'that failed; exits 0 only when all pass. Needs @pact-foundation/pact 16 installed next to switchyard.',
  '',
  '  --pact <file|dir|url>            a pact file, a folder of them (*.json) or a URL; repeatable',
  '  --broker-url <url>               verify the pacts a Pact Broker selects instead',
  '  --broker-token <token>           (or PACT_BROKER_TOKEN) bearer token; or --broker-username and',
  '  --broker-username, --broker-password  (or PACT_BROKER_USERNAME, PACT_BROKER_PASSWORD) basic auth',
  '  selectors (repeatable; default --main-branch --deployed-or-released):',
  '    --consumer <name>              only this consumer (applies to every selector)',
  '    --tag <tag>, --branch <branch>, --main-branch, --matching-branch, --deployed-or-released',
  '  --enable-pending                 a pact not yet verified successfully does not fail the run',
  '  --include-wip-pacts-since <date> also verify work-in-progress pacts published since then (pending)',
  '  --publish                        publish the results to the broker; needs --provider-version',
  '  --provider-version, --provider-branch, --build-url   of the published results',
  '  --verbose                        also print the Pact verifier\'s own log (to stderr)',
  '  -h, --help',
].join('\n');

export const VERIFY_OPTIONS = {
  pact: { type: 'string', multiple: true },
  'broker-url': { type: 'string' },
  'broker-token': { type: 'string' },
  'broker-username': { type: 'string' },
  'broker-password': { type: 'string' },
  consumer: { type: 'string', multiple: true },
  tag: { type: 'string', multiple: true },
  branch: { type: 'string', multiple: true },
  'main-branch': { type: 'boolean' },
  'matching-branch': { type: 'boolean' },
  'deployed-or-released': { type: 'boolean' },
  'enable-pending': { type: 'boolean' },
  'include-wip-pacts-since': { type: 'string' },
  publish: { type: 'boolean' },
  'provider-version': { type: 'string' },
  'provider-branch': { type: 'string' },
  'build-url': { type: 'string' },
  verbose: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseOptions<typeof VERIFY_OPTIONS>>;

const BROKER_ONLY = ['consumer', 'tag', 'branch', 'main-branch', 'matching-branch', 'deployed-or-released', 'enable-pending', 'include-wip-pacts-since', 'publish', 'provider-version', 'provider-branch', 'build-url', 'broker-token', 'broker-username', 'broker-password'] as const;

/** The source the options name: local pacts or a broker's selection, never both. */
export function sourceOf(v: Values, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): PactSource {
  const brokerUrl = v['broker-url'];
  if (v.pact && brokerUrl) throw new UsageError('give --pact or --broker-url, not both', VERIFY_USAGE);
  if (!v.pact && !brokerUrl) throw new UsageError('what to verify: --pact <file|dir|url> or --broker-url <url>', VERIFY_USAGE);
  if (v.pact) {
    const stray = BROKER_ONLY.filter((name) => v[name] !== undefined);
    if (stray.length > 0) throw new UsageError(`${stray.map((s) => `--${s}`).join(', ')} only apply with --broker-url`, VERIFY_USAGE);
    try {
      return localSource(v.pact, cwd);
    } catch (err) {
      throw new UsageError((err as Error).message, VERIFY_USAGE);
    }
  }
  if (v.publish && !v['provider-version']) throw new UsageError('--publish needs --provider-version', VERIFY_USAGE);
  return brokerSource(brokerUrl!, v, env);
}

function brokerSource(url: string, v: Values, env: NodeJS.ProcessEnv): BrokerSource {
  const chosen: ConsumerVersionSelector[] = [
    ...(v['main-branch'] ? [{ mainBranch: true }] : []),
    ...(v['matching-branch'] ? [{ matchingBranch: true }] : []),
    ...(v['deployed-or-released'] ? [{ deployedOrReleased: true }] : []),
    ...(v.branch ?? []).map((branch) => ({ branch })),
    ...(v.tag ?? []).map((tag) => ({ tag, latest: true })),
  ];
  const selectors = chosen.length > 0 ? chosen : [{ mainBranch: true }, { deployedOrReleased: true }];
  const consumers = v.consumer ?? [];
  return withoutUndefined({
    kind: 'broker' as const,
    pactBrokerUrl: url,
    ...brokerAuth(v['broker-token'] ?? env.PACT_BROKER_TOKEN, v['broker-username'] ?? env.PACT_BROKER_USERNAME, v['broker-password'] ?? env.PACT_BROKER_PASSWORD),
    consumerVersionSelectors: consumers.length === 0 ? selectors : consumers.flatMap((consumer) => selectors.map((s) => ({ ...s, consumer }))),
    enablePending: v['enable-pending'] ?? false,
    includeWipPactsSince: v['include-wip-pacts-since'],
    publishVerificationResult: v.publish ?? false,
    providerVersion: v['provider-version'],
    providerVersionBranch: v['provider-branch'],
    buildUrl: v['build-url'],
  });
}

/** Runs the worker (the compiled .js, or the .ts source through tsx in a checkout) and awaits its answer. */
function runWorker(request: WorkerRequest, verbose: boolean, err: Output): Promise<WorkerAnswer> {
  const ext = extname(__filename);
  const child = fork(join(__dirname, '..', 'pact-verification', `worker${ext}`), [], {
    execArgv: ext === '.ts' ? ['--require', 'tsx/cjs'] : [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    if (verbose) err.write(chunk.toString());
    else log += chunk.toString();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return new Promise((resolve) => {
    let answer: WorkerAnswer | undefined;
    child.once('message', (m: WorkerAnswer) => (answer = m));
    child.once('exit', (code) => resolve(answer ?? { error: `the verification process exited ${code} without an answer:\n${log.slice(-4000)}` }));
    child.send(request);
  });
}

export const verifyCommand: Command = {
  summary: 'verify consumer pacts (files, folders, URLs or a broker) against a throwaway Switchyard',
  usage: VERIFY_USAGE,
  async run(argv, out, err: Output = process.stderr) {
    const v = parseOptions(argv, VERIFY_OPTIONS, VERIFY_USAGE);
    const source = sourceOf(v);
    const answer = await runWorker({ source, logLevel: v.verbose ? 'info' : 'error' }, v.verbose ?? false, err);
    if ('error' in answer) {
      err.write(`switchyard verify: ${answer.error}\n`);
      return 1;
    }
    out.write(report(answer.verification, describeSource(source)));
    return answer.verification.passed ? 0 : 1;
  },
};
