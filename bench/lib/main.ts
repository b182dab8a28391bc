// The frame of every bench script: children are cleaned up on every way out, a failure prints one
// line naming the script and exits 1. Switchyard is compiled into bench/.dist/ first (shipped.ts).
import { installCleanup } from './children';
import { buildShipped } from './shipped';

export function scriptMain(name: string, body: () => Promise<void>): void {
  installCleanup();
  buildShipped();
  body().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`\nbench/${name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
