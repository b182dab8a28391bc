// Top self-time functions (and packages) of a V8 .cpuprofile, e.g. one written by
// `npx tsx bench/fanout.ts --profile`:  npx tsx bench/profile-top.ts bench/results/profiles/<file> [count]
// Also prints inclusive time (the function and everything it called) of the project's own functions,
// which is how "native writev" self time gets attributed to the broadcast loop that caused it.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { REPO_ROOT } from './lib/children';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function where(url: string): string {
  if (url === '') return '(native)';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  return path.startsWith('/') ? relative(REPO_ROOT, path) : path;
}

/** node_modules/<pkg>, src/<dir>, node:<module>, or the kind of frame ((gc), (program), ...). */
function area(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const w = where(url);
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(w);
  if (pkg) return pkg[1];
  if (w.startsWith('node:')) return w;
  return w.split('/').slice(0, 2).join('/');
}

function main(): void {
  const [file, countArg] = process.argv.slice(2);
  if (!file) {
    console.error('usage: npx tsx bench/profile-top.ts <file.cpuprofile> [count]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; attributing it to sample i is V8's own convention.
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);

  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (node: ProfileNode): string => {
    const { functionName, url, lineNumber } = node.callFrame;
    return `${functionName || '(anonymous)'}  ${url ? `${where(url)}:${lineNumber + 1}` : ''}`.trim();
  };
  // Inclusive: each sample counts once for every distinct project function on its stack.
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const keys = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at)!;
      const w = where(node.callFrame.url);
      if (w.startsWith('src/') || w.startsWith('bench/') || w.startsWith('generated/')) keys.add(keyOf(node));
    }
    for (const key of keys) inclusive.set(key, (inclusive.get(key) ?? 0) + us);
  }

  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    const key = keyOf(node);
    functions.set(key, (functions.get(key) ?? 0) + us);
    areas.set(area(node), (areas.get(area(node)) ?? 0) + us);
  }
  const print = (title: string, map: Map<string, number>, count: number): void => {
    console.log(`\n${title}`);
    for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, count)) {
      console.log(`${(us / 1000).toFixed(1).padStart(9)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
    }
  };
  console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
  print('self time by package / area', areas, 15);
  print('self time by function', functions, Number(countArg ?? 30));
  print('inclusive time of project functions (src/, generated/, bench/)', inclusive, Number(countArg ?? 30));
}

main();
