// The short report of `switchyard verify`: each failing interaction with what failed, the spec's
// objections and the provider's mismatches together, then one line of totals.
import type { Failure, Verification } from './verify';

function grouped(...lists: Array<[string, Failure[]]>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [label, failures] of lists) {
    for (const f of failures) out.set(f.interaction, [...(out.get(f.interaction) ?? []), ...f.problems.map((p) => `${label}: ${p}`)]);
  }
  return out;
}

export function report(v: Verification, where: string): string {
  const total = v.pacts.reduce((n, p) => n + p.interactions, 0);
  const lines = [`Verified ${v.pacts.length} pact${v.pacts.length === 1 ? '' : 's'} from ${where} against a throwaway Switchyard:`];
  for (const p of v.pacts) lines.push(`  ${p.name}: ${p.interactions} interaction${p.interactions === 1 ? '' : 's'}`);
  if (v.pacts.length === 0) lines.push('  no pacts found');

  const failed = grouped(['spec', v.specProblems], ['provider', v.failures]);
  for (const [interaction, problems] of failed) lines.push('', `FAILED ${interaction}`, ...problems.map((p) => `  ${p}`));
  const pending = grouped(['provider', v.pending]);
  for (const [interaction, problems] of pending) lines.push('', `PENDING (does not fail the run) ${interaction}`, ...problems.map((p) => `  ${p}`));

  lines.push('', v.passed ? `OK: all ${total} interactions pass.` : `FAILED: ${failed.size} of ${total} interactions fail.`);
  return `${lines.join('\n')}\n`;
}
