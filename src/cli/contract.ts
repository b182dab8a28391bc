// `switchyard contract export [--out <dir>]`: writes the specs as self-contained JSON documents for a
// broker's bi-directional (provider-driven) contract testing (docs/consumer-contracts.md).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { exportContracts } from '../pact-verification/bundle';
import { parseOptions, UsageError, type Command } from './command';
import { packageVersion } from '../version';

export const CONTRACT_USAGE = [
  'usage: switchyard contract export [--out <dir>]',
  '',
  'Writes the documents a Pact Broker needs for bi-directional contract testing: switchyard.openapi.json',
  '(every REST operation, fully dereferenced, tagged with its API) and <api>.asyncapi.json per realtime',
  'API (references into other files inlined), and prints their paths.',
  '',
  '  --out <dir>  where to write them (default: contracts); created if missing',
  '  -h, --help',
].join('\n');

export const contractCommand: Command = {
  summary: 'export the bundled OpenAPI and AsyncAPI documents for bi-directional contract testing',
  usage: CONTRACT_USAGE,
  async run(argv, out) {
    const [sub, ...rest] = argv;
    if (sub !== 'export') throw new UsageError(sub === undefined ? 'which contract command: export' : `unknown contract command "${sub}"`, CONTRACT_USAGE);
    const v = parseOptions(rest, { out: { type: 'string' } } as const, CONTRACT_USAGE);
    const dir = resolve(v.out ?? 'contracts');
    mkdirSync(dir, { recursive: true });
    for (const { file, document } of exportContracts(packageVersion())) {
      writeFileSync(join(dir, file), `${JSON.stringify(document, null, 2)}\n`);
      out.write(`${join(dir, file)}\n`);
    }
    return 0;
  },
};
