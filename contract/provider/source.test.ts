// Where verification takes its pacts from: the files in pacts/, and first the broker's when
// PACT_BROKER_BASE_URL is set (with results published). No broker is contacted here.
import { pactSources } from './source';

const files = () => ['/repo/pacts/a-switchyard.json', '/repo/pacts/b-switchyard.json'];
const local = [{ pactUrls: ['/repo/pacts/a-switchyard.json'] }, { pactUrls: ['/repo/pacts/b-switchyard.json'] }];

it('without a broker: one run per pact file, nothing published', () => {
  expect(pactSources({}, '0.1.0', files)).toEqual(local);
});

it('with a broker and a token: one run over the selected pacts, results published for the commit; then pacts/ as without', () => {
  const env = { PACT_BROKER_BASE_URL: 'https://broker.example', PACT_BROKER_TOKEN: 't0k', GIT_COMMIT: 'abc123', GIT_BRANCH: 'main' };
  expect(pactSources(env, '0.1.0', files)).toEqual([
    {
      pactBrokerUrl: 'https://broker.example',
      pactBrokerToken: 't0k',
      consumerVersionSelectors: [{ mainBranch: true }, { deployedOrReleased: true }, { matchingBranch: true }],
      enablePending: true,
      publishVerificationResult: true,
      providerVersion: 'abc123',
      providerVersionBranch: 'main',
    },
    ...local,
  ]);
});

it('with a broker and basic auth; the package version when there is no commit; publishing can be turned off', () => {
  const env = { PACT_BROKER_BASE_URL: 'https://broker.example', PACT_BROKER_USERNAME: 'ci', PACT_BROKER_PASSWORD: 'pw', PACT_PUBLISH_VERIFICATION_RESULTS: 'false' };
  const [source] = pactSources(env, '0.1.0', files);
  expect(source).toMatchObject({ pactBrokerUsername: 'ci', pactBrokerPassword: 'pw', providerVersion: '0.1.0', publishVerificationResult: false });
  expect(source).not.toHaveProperty('pactUrls');
  expect(source.consumerVersionSelectors).toEqual([{ mainBranch: true }, { deployedOrReleased: true }]);
});
