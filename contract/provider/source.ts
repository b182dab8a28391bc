// Where the pacts to verify come from. Always: the files committed in pacts/ (the documented
// clients), one verification per file, nothing published. With PACT_BROKER_BASE_URL set, first the
// broker's pacts for `switchyard`, chosen by consumer version selectors, with the results published
// back for can-i-deploy.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { VerifierOptions } from '@pact-foundation/pact';
import { PACTS_DIR } from '../pact';

export type PactSource = Pick<
  VerifierOptions,
  | 'pactUrls'
  | 'pactBrokerUrl'
  | 'pactBrokerToken'
  | 'pactBrokerUsername'
  | 'pactBrokerPassword'
  | 'consumerVersionSelectors'
  | 'enablePending'
  | 'includeWipPactsSince'
  | 'publishVerificationResult'
  | 'providerVersion'
  | 'providerVersionBranch'
  | 'buildUrl'
>;

/** The pact files of a directory, sorted. */
export function pactFiles(dir = PACTS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * One source per verification run. Broker: a single run over every consumer's selected pacts, so each
 * pact gets one result. Files: one run per pact file, so a failure names its consumer.
 */
export function pactSources(env: NodeJS.ProcessEnv, packageVersion: string, files: () => string[] = pactFiles): PactSource[] {
  const local: PactSource[] = files().map((file) => ({ pactUrls: [file] }));
  const brokerUrl = env.PACT_BROKER_BASE_URL;
  if (!brokerUrl) return local;

  const branch = env.GIT_BRANCH;
  const source: PactSource = {
    pactBrokerUrl: brokerUrl,
    // Pacts of consumers' main branches, of what is deployed or released, and of a consumer branch
    // named like ours (a feature developed on both sides at once).
    consumerVersionSelectors: [{ mainBranch: true }, { deployedOrReleased: true }, ...(branch ? [{ matchingBranch: true }] : [])],
    // A consumer's new expectation does not fail our build until it has been verified once.
    enablePending: true,
    publishVerificationResult: env.PACT_PUBLISH_VERIFICATION_RESULTS !== 'false',
    providerVersion: env.GIT_COMMIT || packageVersion,
  };
  if (env.PACT_BROKER_TOKEN) source.pactBrokerToken = env.PACT_BROKER_TOKEN;
  else if (env.PACT_BROKER_USERNAME) {
    source.pactBrokerUsername = env.PACT_BROKER_USERNAME;
    source.pactBrokerPassword = env.PACT_BROKER_PASSWORD ?? '';
  }
  if (branch) source.providerVersionBranch = branch;
  if (env.PACT_INCLUDE_WIP_PACTS_SINCE) source.includeWipPactsSince = env.PACT_INCLUDE_WIP_PACTS_SINCE;
  if (env.BUILD_URL) source.buildUrl = env.BUILD_URL;
  return [source, ...local];
}

/** How a run is named in the test output. */
export const describeSource = (source: PactSource): string =>
  source.pactBrokerUrl ? `the pacts selected on ${source.pactBrokerUrl}` : (source.pactUrls ?? []).map((f) => f.split('/').pop()).join(', ');
