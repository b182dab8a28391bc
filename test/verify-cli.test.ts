// `switchyard verify` options: local pacts or a broker's selection, never both; broker selectors,
// pending, WIP and publishing as given. (The verification itself: test/consumer-pact-example.test.ts
// and contract/provider/broker.provider.test.ts.)
import { parseOptions, UsageError } from '../src/cli/command';
import { runCli } from '../src/cli/cli';
import { sourceOf, VERIFY_OPTIONS, VERIFY_USAGE } from '../src/cli/verify';

const parse = (...argv: string[]) => sourceOf(parseOptions(argv, VERIFY_OPTIONS, VERIFY_USAGE), { PACT_BROKER_TOKEN: 'from-env' }, __dirname);

it('needs --pact or --broker-url, and not both', () => {
  expect(() => parse()).toThrow(UsageError);
  expect(() => parse('--pact', 'x.json', '--broker-url', 'http://b')).toThrow('give --pact or --broker-url, not both');
});

it('refuses broker options with local pacts, and --publish without --provider-version', () => {
  expect(() => parse('--pact', '../pacts', '--tag', 'prod', '--publish')).toThrow('--tag, --publish only apply with --broker-url');
  expect(() => parse('--broker-url', 'http://b', '--publish')).toThrow('--publish needs --provider-version');
});

it('names a missing pact as a usage error', () => {
  expect(() => parse('--pact', 'no-such.json')).toThrow('no pact at no-such.json');
});

it('local: the pact files of a folder', () => {
  expect(parse('--pact', '../pacts')).toMatchObject({ kind: 'local', pactUrls: expect.arrayContaining([expect.stringMatching(/pacts\/publisher-switchyard\.json$/)]) });
});

it('broker: main branches and what is deployed by default; pending off; nothing published; the token from the environment', () => {
  expect(parse('--broker-url', 'http://broker')).toEqual({
    kind: 'broker',
    pactBrokerUrl: 'http://broker',
    pactBrokerToken: 'from-env',
    consumerVersionSelectors: [{ mainBranch: true }, { deployedOrReleased: true }],
    enablePending: false,
    publishVerificationResult: false,
  });
});

it('broker: selectors per consumer, pending, WIP and publishing as given', () => {
  const source = parse(
    '--broker-url', 'http://broker', '--broker-token', 'flag', '--consumer', 'pizza-dashboard', '--branch', 'feat-x', '--tag', 'prod',
    '--enable-pending', '--include-wip-pacts-since', '2026-01-01', '--publish', '--provider-version', 'abc', '--provider-branch', 'main',
  );
  expect(source).toEqual({
    kind: 'broker',
    pactBrokerUrl: 'http://broker',
    pactBrokerToken: 'flag',
    consumerVersionSelectors: [
      { branch: 'feat-x', consumer: 'pizza-dashboard' },
      { tag: 'prod', latest: true, consumer: 'pizza-dashboard' },
    ],
    enablePending: true,
    includeWipPactsSince: '2026-01-01',
    publishVerificationResult: true,
    providerVersion: 'abc',
    providerVersionBranch: 'main',
  });
});

it('is listed in `switchyard --help` and has its own --help', async () => {
  let out = '';
  expect(await runCli(['--help'], { write: (t: string) => (out += t) })).toBe(0);
  expect(out).toMatch(/\n {2}verify +verify consumer pacts/);
  out = '';
  expect(await runCli(['verify', '--help'], { write: (t: string) => (out += t) })).toBe(0);
  expect(out).toMatch(/^usage: switchyard verify --pact <file\|dir\|url>/);
});
