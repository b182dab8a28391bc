// Runs `npm run generate` as a user would (a child process), on any specs and output folder.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export function runGenerate(args: string[], cwd = ROOT): { status: number | null; stdout: string; stderr: string } {
  const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
  const r = spawnSync(tsx, [join(ROOT, 'scripts', 'generate.ts'), ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A temp folder holding copies of specs/ and generated/; removed by the returned cleanup. */
export function tempProject(): { dir: string; specs: string; generated: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-gen-'));
  cpSync(join(ROOT, 'specs'), join(dir, 'specs'), { recursive: true });
  cpSync(join(ROOT, 'generated'), join(dir, 'generated'), { recursive: true });
  return { dir, specs: join(dir, 'specs'), generated: join(dir, 'generated'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
