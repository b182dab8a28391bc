// The Grafana dashboard in the Helm chart queries only metrics and labels the gateway exposes, so a
// renamed metric or label fails here rather than leaving an empty panel.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metrics } from '../src/metrics';

interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr: string }>;
}

const dashboard = JSON.parse(readFileSync(join(__dirname, '..', 'deploy', 'helm', 'switchyard', 'dashboards', 'switchyard.json'), 'utf8')) as {
  uid: string;
  panels: Panel[];
};
// Labels Prometheus adds when it scrapes, and the histogram bucket label.
const SCRAPE_LABELS = new Set(['instance', 'job', 'le']);

/** Every exposed series name -> its label names (histograms expose _bucket, _sum, _count). */
function exposed(): Map<string, Set<string>> {
  const names = new Map<string, Set<string>>();
  for (const metric of new Metrics().registry.getMetricsAsArray()) {
    const { name, labelNames = [], type } = metric as unknown as { name: string; labelNames?: string[]; type: string };
    const labels = new Set(labelNames);
    names.set(name, labels);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.set(name + suffix, labels);
  }
  return names;
}

const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

it('has query panels', () => {
  expect(dashboard.uid).toBe('switchyard');
  expect(exprs.length).toBeGreaterThan(10);
});

it.each(exprs)('$panel: $expr uses exposed metrics and labels', ({ expr }) => {
  const metrics = exposed();
  const matched = [...expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) => [...m[1].matchAll(/([a-z_]+)\s*!?=~?/g)].map((l) => l[1]));
  const grouped = [...expr.matchAll(/\bby \(([^)]*)\)/g)].flatMap((m) => m[1].split(',').map((l) => l.trim()));
  // What is left once selectors, ranges and groupings are gone: function calls and metric names.
  const bare = expr.replace(/\{[^}]*\}/g, ' ').replace(/\[[^\]]*\]/g, ' ').replace(/\bby \([^)]*\)/g, ' ');
  const names = [...bare.matchAll(/\b([a-z_][a-z0-9_]*)\b(?!\s*\()/g)].map((m) => m[1]);
  expect(names.length).toBeGreaterThan(0);
  expect(names.filter((n) => !metrics.has(n))).toEqual([]);
  const labels = new Set(names.flatMap((n) => [...metrics.get(n)!]));
  expect([...grouped, ...matched].filter((l) => !SCRAPE_LABELS.has(l) && !labels.has(l))).toEqual([]);
});
