// Where the browser tests put what they produce. The README's screenshots (web/screenshots/) and the
// page weights (bench/results/latest-web-pages.jsonl) are rewritten with UPDATE_SCREENSHOTS=1; otherwise
// both go to a temporary folder, so that an ordinary test run leaves the work tree as it was.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/process';
import type { PageWeight } from './browser';

const UPDATE = process.env.UPDATE_SCREENSHOTS === '1';
const OUT = UPDATE ? ROOT : join(tmpdir(), 'switchyard-browser');

export function screenshotPath(name: string): string {
  const dir = join(OUT, 'web', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/** Replaces one suite's lines in latest-web-pages.jsonl (one JSON line per page) and prints them. */
export function recordWeights(suite: string, weights: Record<string, PageWeight>): void {
  const dir = join(OUT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'latest-web-pages.jsonl');
  let kept: string[] = [];
  try {
    kept = readFileSync(file, 'utf8').split('\n').filter((line) => line !== '' && (JSON.parse(line) as { suite: string }).suite !== suite);
  } catch {
    // the first suite to write
  }
  const lines = Object.entries(weights).map(([url, w]) => JSON.stringify({ suite, url, ...w }));
  writeFileSync(file, [...kept, ...lines].map((line) => `${line}\n`).join(''));
  const summary = Object.entries(weights).map(([url, w]) => `  ${url}: ${(w.transferBytes / 1024).toFixed(0)} KiB in ${w.requests} requests, interactive at ${w.interactiveMs} ms (main thread busy ${w.mainThreadMs} ms)`);
  process.stdout.write(`[browser] ${suite} page weights (${file}):\n${summary.join('\n')}\n`);
}
