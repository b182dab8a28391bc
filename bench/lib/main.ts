// The frame of every bench script: children are cleaned up on every way out, a failure prints one
// line naming the script and exits 1.
import { installCleanup } from './children';

export function scriptMain(name: string, body: () => Promise<void>): void {
  installCleanup();
  body().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`\nbench/${name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
