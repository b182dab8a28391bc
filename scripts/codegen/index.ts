// `npm run generate` as a function: specs folder in, generated files (path -> text) out.
import { buildApiModel } from './catalogue';
import { checkExamples } from './examples';
import { lintSpecs } from './lint';
import { modelsModule } from './models';
import { openApiTypesModule } from './openapi-types';
import { CATALOGUE_TYPES, HEADER, renderCatalogue, renderIndex } from './render';
import { renderSocketEndpoints, socketEndpoints } from './socket-endpoints';
import { loadSpecs, type Spec } from './specs';
import { createAjv, standaloneModule } from './validators';

export interface GenerateResult {
  /** Paths relative to the output folder. */
  files: Map<string, string>;
  /** `file: path: message`; when non-empty, `files` must not be written. */
  errors: string[];
  /** Per spec file: counts for humans. */
  summary: Record<string, Record<string, number>>;
}

export async function generate(specsDir: string): Promise<GenerateResult> {
  const { specs, errors } = await loadSpecs(specsDir);
  errors.push(...lintSpecs(specs));
  const files = new Map<string, string>();
  const summary: GenerateResult['summary'] = {};
  if (errors.length) return { files, errors, summary };

  const ajv = createAjv(specs);
  const coercing = createAjv(specs, true);
  for (const spec of specs) {
    errors.push(...checkExamples(spec, ajv, coercing));
    summary[spec.file] = counts(spec);
  }

  const apis = [...new Set(specs.map((s) => s.api))].sort();
  const topics = new Set<string>();
  const sockets = socketEndpoints(specs);
  errors.push(...sockets.errors);
  for (const api of apis) {
    const own = specs.filter((s) => s.api === api);
    const model = buildApiModel(api, own);
    errors.push(...model.errors);
    if (model.topic) topics.add(api);

    const asyncapi = own.find((s) => s.kind === 'asyncapi');
    if (asyncapi) {
      const models = await modelsModule(asyncapi);
      errors.push(...models.errors);
      files.set(`${api}/models.ts`, models.code);
    }
    const openapi = own.find((s) => s.kind === 'openapi');
    if (openapi) {
      const types = await openApiTypesModule(openapi);
      errors.push(...types.errors);
      files.set(`${api}/openapi.ts`, types.code);
    }
    try {
      const main = standaloneModule(specs, model.validators);
      files.set(`${api}/validators.js`, main.js);
      files.set(`${api}/validators.d.ts`, main.dts);
      if (model.coercingValidators.length) {
        const c = standaloneModule(specs, model.coercingValidators, true);
        files.set(`${api}/coercing-validators.js`, c.js);
        files.set(`${api}/coercing-validators.d.ts`, c.dts);
      }
    } catch (e) {
      errors.push(`${own[0].file}: (validators): ${(e as Error).message.split('\n')[0]}`);
    }
    const has = { models: !!asyncapi, coercing: model.coercingValidators.length > 0 };
    files.set(`${api}/catalogue.ts`, renderCatalogue(model, has, sockets.endpoints[api]));
  }
  files.set('socket-endpoints.ts', renderSocketEndpoints(sockets.endpoints));
  files.set('catalogue-types.ts', CATALOGUE_TYPES);
  files.set('index.ts', renderIndex(apis, apis.filter((api) => topics.has(api))));
  files.set('README.md', `${HEADER.replace('//', '#')}\nEverything here is written by \`npm run generate\` from \`specs/\`; edit the specs instead.\n`);
  return { files, errors, summary };
}

function counts(spec: Spec): Record<string, number> {
  const size = (v: unknown) => (v && typeof v === 'object' ? Object.keys(v).length : 0);
  const components = (spec.raw.components ?? {}) as Record<string, unknown>;
  if (spec.kind === 'asyncapi') {
    const messages = (components.messages ?? {}) as Record<string, { examples?: unknown[] }>;
    return {
      channels: size(spec.raw.channels),
      operations: size(spec.raw.operations),
      messages: size(messages),
      schemas: size(components.schemas),
      examples: Object.values(messages).reduce((n, m) => n + (m.examples?.length ?? 0), 0),
    };
  }
  const paths = (spec.raw.paths ?? {}) as Record<string, Record<string, unknown>>;
  const text = JSON.stringify(spec.raw.paths ?? {});
  return {
    paths: size(paths),
    operations: Object.values(paths).reduce((n, p) => n + Object.keys(p).filter((k) => k !== 'parameters').length, 0),
    schemas: size(components.schemas),
    examples: (text.match(/"value":/g) ?? []).length,
  };
}
