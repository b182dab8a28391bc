// The switchyard package folder is found by walking up from a file inside it.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { packageRoot } from '../src/package-root';

const repo = resolve(__dirname, '..');
const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'package-root-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

it('from its own folder (src/) by default: this repository and its version', () => {
  expect(packageRoot()).toEqual({ dir: repo, version });
});

it('from deeper inside, e.g. dist/src/cluster', () => {
  const deep = join(tmp, 'dist', 'src', 'cluster');
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(tmp, 'package.json'), JSON.stringify({ name: 'switchyard', version: '9.8.7' }));
  expect(packageRoot(deep)).toEqual({ dir: tmp, version: '9.8.7' });
});

it("walks past another package's package.json, one without a version, and one that is not JSON", () => {
  const inner = join(tmp, 'node_modules', 'dep', 'sub', 'deeper');
  mkdirSync(inner, { recursive: true });
  writeFileSync(join(tmp, 'package.json'), JSON.stringify({ name: 'switchyard', version: '1.2.3' }));
  writeFileSync(join(tmp, 'node_modules', 'dep', 'package.json'), JSON.stringify({ name: 'dep', version: '1.0.0' }));
  writeFileSync(join(tmp, 'node_modules', 'dep', 'sub', 'package.json'), JSON.stringify({ name: 'switchyard' }));
  writeFileSync(join(inner, 'package.json'), '{ not json');
  expect(packageRoot(inner)).toEqual({ dir: tmp, version: '1.2.3' });
});

it('throws when no switchyard package.json is above the folder', () => {
  const dir = join(tmp, 'a', 'b');
  mkdirSync(dir, { recursive: true });
  expect(() => packageRoot(dir)).toThrow(`no package.json of switchyard above ${dir}`);
});
