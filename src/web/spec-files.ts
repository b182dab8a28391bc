// The spec documents as files: what /specs/<file> serves and /docs renders, read once at start.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { webAsset, type Asset } from './assets';

export interface ApiDocs {
  /** The spec file prefix: `pizza` for pizza.asyncapi.yaml and pizza.openapi.yaml. */
  readonly api: string;
  readonly asyncapi?: string;
  readonly openapi?: string;
}

export interface SpecFiles {
  /** Raw documents by file name. */
  readonly files: ReadonlyMap<string, Buffer>;
  /** The same, to serve compressed (a YAML document shrinks to a fifth or less). */
  readonly assets: ReadonlyMap<string, Asset>;
  readonly apis: readonly ApiDocs[];
}

const SPEC_FILE = /^([a-z0-9-]+)\.(asyncapi|openapi)\.yaml$/;

export function readSpecFiles(dir: string): SpecFiles {
  const files = new Map<string, Buffer>();
  const apis = new Map<string, { api: string; asyncapi?: string; openapi?: string }>();
  for (const name of readdirSync(dir).sort()) {
    const match = SPEC_FILE.exec(name);
    if (!match) continue;
    files.set(name, readFileSync(join(dir, name)));
    const [, api, kind] = match;
    const entry = apis.get(api) ?? { api };
    entry[kind as 'asyncapi' | 'openapi'] = name;
    apis.set(api, entry);
  }
  const assets = new Map([...files].map(([name, body]) => [name, webAsset(name, body)]));
  return { files, assets, apis: [...apis.values()] };
}
