// The spec lint: mistakes the official parsers accept but that would silently change what the
// gateway does. Runs on every loaded spec before anything is generated, and reports every problem
// as `file: path: message`, so one run lists them all.
import { buildApiModel } from './catalogue';
import { lintSchemas } from './lint-schemas';
import { lintAudiences, lintSwitchyardKeys } from './lint-switchyard';
import type { Spec } from './specs';

export function lintSpecs(specs: Spec[]): string[] {
  const problems: string[] = [];
  for (const api of [...new Set(specs.map((s) => s.api))]) {
    const own = specs.filter((s) => s.api === api);
    // The catalogue's own checks (messages no operation uses, `data` pointers outside the payload,
    // malformed rules) come along, so they are reported together with the rest.
    const model = buildApiModel(api, own);
    problems.push(...model.errors);
    for (const spec of own) problems.push(...lintSchemas(spec), ...lintSwitchyardKeys(spec), ...lintAudiences(spec, model));
  }
  // Grouped by file (a stable sort: within a file, in the order the rules found them).
  const fileOf = (line: string) => line.slice(0, line.indexOf(':'));
  return problems.sort((a, b) => fileOf(a).localeCompare(fileOf(b)));
}
