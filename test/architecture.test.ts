// The import arrows of src/ run one way (issue 12): cli -> gateway -> apis -> transports -> spec
// runtime, auth, http -> bus, store, config. Read from the source with TypeScript's own import scanner,
// so a new file in the wrong place, or a circle, fails here with the offending import named.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..');

/** Top to bottom; a folder (or a top-level file, by name) may import its own layer or any below. */
const LAYERS: readonly (readonly string[])[] = [
  ['cli', 'pact-verification', 'cluster'],
  ['gateway'],
  ['apis', 'web'],
  ['ws'],
  ['envelopes', 'auth', 'http', 'limits', 'egress'],
  ['bus', 'store', 'ports', 'config', 'log', 'metrics', 'tracing', 'validation', 'package-root', 'version'],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports (static, dynamic and `import type`) of each file under `dir`, resolved to files. */
function importGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(dir)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map((i) => i.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => {
        const base = normalize(join(dirname(file), name));
        for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) if (isFile(candidate)) return candidate;
        return base;
      });
    graph.set(relative(ROOT, file), targets.map((t) => relative(ROOT, t)));
  }
  return graph;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** `src/apis/games/socket.ts` -> `apis`; `src/config.ts` -> `config`. */
const unit = (file: string): string => relative('src', file).split(sep)[0].replace(/\.ts$/, '');
const layerOf = (name: string): number => LAYERS.findIndex((layer) => layer.includes(name));

/** Every import circle, each as the files around it (Tarjan's strongly connected components). */
function circles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(node, Math.min(low.get(node)!, index.get(target)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe('the import arrows', () => {
  const graph = importGraph(join(ROOT, 'src'));

  it('reads the whole source tree', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get(join('src', 'cli', 'main.ts'))).toEqual(expect.arrayContaining([join('src', 'cli', 'cli.ts')]));
  });

  it('places every folder and top-level file of src/ in a layer', () => {
    const units = new Set([...graph.keys()].map(unit));
    expect([...units].filter((u) => layerOf(u) === -1)).toEqual([]);
  });

  it('has no import pointing up a layer', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        if (!target.startsWith(`src${sep}`)) continue;
        if (layerOf(unit(target)) < layerOf(unit(file))) upward.push(`${file} -> ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no import circle between files', () => {
    expect(circles(graph)).toEqual([]);
  });

  it('has no circle between folders of the same layer either', () => {
    const folders = new Map<string, string[]>();
    for (const [file, targets] of graph) {
      const from = unit(file);
      const to = targets.filter((t) => t.startsWith(`src${sep}`)).map(unit).filter((u) => u !== from);
      folders.set(from, [...new Set([...(folders.get(from) ?? []), ...to])]);
    }
    expect(circles(folders)).toEqual([]);
  });

  // scripts/codegen is allowed: the spec check compiles with the generator's own model (it ships).
  it('keeps the tests, the contract tests and the bench out of the runtime', () => {
    const outside = [...graph].flatMap(([file, targets]) => targets.filter((t) => /^(test|contract|bench)\b/.test(t)).map((t) => `${file} -> ${t}`));
    expect(outside).toEqual([]);
  });

  it('finds a circle and an upward import when there is one (the checks can fail)', () => {
    const made = new Map([
      ['src/a.ts', ['src/b.ts']],
      ['src/b.ts', ['src/a.ts']],
    ]);
    expect(circles(made)).toEqual([['src/a.ts', 'src/b.ts']]);
    expect(layerOf(unit(join('src', 'gateway', 'gateway.ts')))).toBeLessThan(layerOf(unit(join('src', 'apis', 'ops.ts'))));
  });
});
