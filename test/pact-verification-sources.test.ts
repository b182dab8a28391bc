// Where a verification takes its pacts from: local files, folders and URLs, or a broker's selection
// (Switchyard's own pipeline: from its environment). No broker is contacted here.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerSourceFromEnv, localSource } from '../src/pact-verification/sources';

describe('localSource', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pacts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'b-switchyard.json'), '{}');
  writeFileSync(join(dir, 'a-switchyard.json'), '{}');
  writeFileSync(join(dir, 'notes.txt'), '');

  it('takes a folder as its *.json files, sorted; a file resolved; a URL as it is', () => {
    expect(localSource([dir, 'x/../' + join(dir, 'a-switchyard.json').slice(1), 'https://pacts.example/p.json'], '/')).toEqual({
      kind: 'local',
      pactUrls: [join(dir, 'a-switchyard.json'), join(dir, 'b-switchyard.json'), join(dir, 'a-switchyard.json'), 'https://pacts.example/p.json'],
    });
  });

  it('names a missing pact, and a folder without any', () => {
    expect(() => localSource([join(dir, 'missing.json')])).toThrow(`no pact at ${join(dir, 'missing.json')}`);
    const empty = mkdtempSync(join(tmpdir(), 'pacts-'));
    expect(() => localSource([empty])).toThrow(`no pact files (*.json) in ${empty}`);
    rmSync(empty, { recursive: true });
  });
});

describe('brokerSourceFromEnv', () => {
  it('is nothing without PACT_BROKER_BASE_URL, whatever else is set', () => {
    expect(brokerSourceFromEnv({ PACT_BROKER_TOKEN: 't', GIT_COMMIT: 'abc' }, '0.1.0')).toBeUndefined();
  });

  it('with a token: main branches, deployed or released and the matching branch; pending on; published for the commit', () => {
    const env = { PACT_BROKER_BASE_URL: 'https://broker.example', PACT_BROKER_TOKEN: 't0k', GIT_COMMIT: 'abc123', GIT_BRANCH: 'main' };
    expect(brokerSourceFromEnv(env, '0.1.0')).toEqual({
      kind: 'broker',
      pactBrokerUrl: 'https://broker.example',
      pactBrokerToken: 't0k',
      consumerVersionSelectors: [{ mainBranch: true }, { deployedOrReleased: true }, { matchingBranch: true }],
      enablePending: true,
      publishVerificationResult: true,
      providerVersion: 'abc123',
      providerVersionBranch: 'main',
    });
  });

  it('with basic auth; the package version without a commit; publishing off; WIP pacts', () => {
    const env = {
      PACT_BROKER_BASE_URL: 'https://broker.example',
      PACT_BROKER_USERNAME: 'ci',
      PACT_BROKER_PASSWORD: 'pw',
      PACT_PUBLISH_VERIFICATION_RESULTS: 'false',
      PACT_INCLUDE_WIP_PACTS_SINCE: '2026-01-01',
    };
    expect(brokerSourceFromEnv(env, '0.1.0')).toMatchObject({
      pactBrokerUsername: 'ci',
      pactBrokerPassword: 'pw',
      providerVersion: '0.1.0',
      publishVerificationResult: false,
      includeWipPactsSince: '2026-01-01',
      consumerVersionSelectors: [{ mainBranch: true }, { deployedOrReleased: true }],
    });
  });
});
