// Where the pacts to verify come from, kept apart: local pacts (files, folders of them, URLs), or a
// Pact Broker's selection for provider `switchyard`. A local run never talks to a broker: pact-core
// adds the broker of PACT_BROKER_BASE_URL to any run that names its provider, so a local run hides
// the broker variables from it (verify.ts).
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface ConsumerVersionSelector {
  consumer?: string;
  tag?: string;
  branch?: string;
  mainBranch?: boolean;
  matchingBranch?: boolean;
  deployedOrReleased?: boolean;
  latest?: boolean;
}

export interface LocalSource {
  kind: 'local';
  /** Pact files and http(s) URLs of pacts. */
  pactUrls: string[];
}

export interface BrokerSource {
  kind: 'broker';
  pactBrokerUrl: string;
  pactBrokerToken?: string;
  pactBrokerUsername?: string;
  pactBrokerPassword?: string;
  consumerVersionSelectors: ConsumerVersionSelector[];
  /** A pact not yet verified successfully does not fail the run. */
  enablePending: boolean;
  /** Also verify work-in-progress pacts published since this date (implies pending for them). */
  includeWipPactsSince?: string;
  publishVerificationResult: boolean;
  providerVersion?: string;
  providerVersionBranch?: string;
  buildUrl?: string;
}

export type PactSource = LocalSource | BrokerSource;

const isUrl = (arg: string): boolean => /^https?:\/\//i.test(arg);

/** The pact files of a folder (`*.json`), sorted. */
export function pactFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(dir, f));
}

/** `--pact` arguments as pact locations: a URL as it is, a folder as its `*.json` files, a file resolved. */
export function localSource(args: readonly string[], cwd = process.cwd()): LocalSource {
  const pactUrls = args.flatMap((arg) => {
    if (isUrl(arg)) return [arg];
    const path = resolve(cwd, arg);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new Error(`no pact at ${arg}`);
    }
    const files = isDir ? pactFiles(path) : [path];
    if (files.length === 0) throw new Error(`no pact files (*.json) in ${arg}`);
    return files;
  });
  return { kind: 'local', pactUrls };
}

/**
 * The broker run of Switchyard's own pipeline, from its environment (contract/README.md): every
 * consumer's main branch and what is deployed or released, plus a consumer branch named like
 * GIT_BRANCH; pending on; results published unless PACT_PUBLISH_VERIFICATION_RESULTS=false.
 * Undefined without PACT_BROKER_BASE_URL.
 */
export function brokerSourceFromEnv(env: NodeJS.ProcessEnv, packageVersion: string): BrokerSource | undefined {
  const brokerUrl = env.PACT_BROKER_BASE_URL;
  if (!brokerUrl) return undefined;
  const branch = env.GIT_BRANCH || undefined;
  return withoutUndefined({
    kind: 'broker' as const,
    pactBrokerUrl: brokerUrl,
    ...brokerAuth(env.PACT_BROKER_TOKEN, env.PACT_BROKER_USERNAME, env.PACT_BROKER_PASSWORD),
    consumerVersionSelectors: [{ mainBranch: true }, { deployedOrReleased: true }, ...(branch ? [{ matchingBranch: true }] : [])],
    enablePending: true,
    includeWipPactsSince: env.PACT_INCLUDE_WIP_PACTS_SINCE || undefined,
    publishVerificationResult: env.PACT_PUBLISH_VERIFICATION_RESULTS !== 'false',
    providerVersion: env.GIT_COMMIT || packageVersion,
    providerVersionBranch: branch,
    buildUrl: env.BUILD_URL || undefined,
  });
}

/** A token wins over basic auth. */
export function brokerAuth(token?: string, username?: string, password?: string): Pick<BrokerSource, 'pactBrokerToken' | 'pactBrokerUsername' | 'pactBrokerPassword'> {
  if (token) return { pactBrokerToken: token };
  if (username) return { pactBrokerUsername: username, pactBrokerPassword: password ?? '' };
  return {};
}

export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** How a source is named in output. */
export const describeSource = (source: PactSource): string =>
  source.kind === 'broker' ? `the pacts selected on ${source.pactBrokerUrl}` : source.pactUrls.map((f) => f.split('/').pop()).join(', ');
