// What a process retained between two heap snapshots, by constructor (or V8 node type), e.g. the
// server of `npx tsx bench/connections.ts --heap-snapshot --scenario games`:
//   npx tsx bench/heap-diff.ts bench/results/profiles/connections-games-base.heapsnapshot \
//     bench/results/profiles/connections-games-connected.heapsnapshot [per=10000] [count=30]
// `per` divides the growth (e.g. by the connections opened in between) to print bytes per connection.
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size and count per "type:name" (closures, arrays, strings and objects by constructor). */
function tally(file: string): Map<string, { bytes: number; count: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const out = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]];
    const name = type === 'object' || type === 'closure' || type === 'native' ? snap.strings[snap.nodes[i + nameAt]] : '';
    const key = `${type}:${name}`;
    const entry = out.get(key) ?? { bytes: 0, count: 0 };
    entry.bytes += snap.nodes[i + sizeAt];
    entry.count += 1;
    out.set(key, entry);
  }
  return out;
}

function main(): void {
  const [before, after, perArg, countArg] = process.argv.slice(2);
  if (!before || !after) {
    console.error('usage: npx tsx bench/heap-diff.ts <before.heapsnapshot> <after.heapsnapshot> [per] [count]');
    process.exit(2);
  }
  const per = Number(perArg ?? 1);
  const a = tally(before);
  const b = tally(after);
  const rows = [...new Set([...a.keys(), ...b.keys()])].map((key) => {
    const x = a.get(key) ?? { bytes: 0, count: 0 };
    const y = b.get(key) ?? { bytes: 0, count: 0 };
    return { key, bytes: y.bytes - x.bytes, count: y.count - x.count };
  });
  rows.sort((p, q) => q.bytes - p.bytes);
  const total = rows.reduce((n, r) => n + r.bytes, 0);
  console.log(`growth: ${(total / 1024).toFixed(0)} KB, ${(total / per).toFixed(0)} bytes per ${per === 1 ? 'snapshot' : `1/${per}`}`);
  console.log(`${'bytes/per'.padStart(10)} ${'count/per'.padStart(10)}  type:constructor`);
  for (const r of rows.slice(0, Number(countArg ?? 30))) {
    console.log(`${(r.bytes / per).toFixed(0).padStart(10)} ${(r.count / per).toFixed(2).padStart(10)}  ${r.key}`);
  }
}

main();
