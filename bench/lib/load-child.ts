// The frame of a load-generator child: it never outlives its parent, sends its result (or its error)
// over the IPC channel, and prints them instead when started by hand (no IPC channel, e.g. against a
// server under a debugger).
import type { LoadCommand, LoadMessage } from './protocol';

/** Pauses until the parent answers `go` (it reads the server's memory meanwhile); at once when started by hand. */
export function checkpoint(name: string): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    const onMessage = (message: LoadCommand): void => {
      if (message.type !== 'go') return;
      process.off('message', onMessage);
      resolve();
    };
    process.on('message', onMessage);
    process.send({ type: 'checkpoint', name } satisfies LoadMessage);
  });
}

/** Hands the result to the parent (or prints it); resolves once it has been sent. */
export function sendResult<R>(result: R): Promise<void> {
  if (!process.send) {
    console.log(JSON.stringify(result));
    return Promise.resolve();
  }
  return new Promise<void>((resolve) => process.send!({ type: 'result', result } satisfies LoadMessage<R>, () => resolve()));
}

export function runLoadChild(main: () => Promise<void>): void {
  // The parent going away (even killed) closes the IPC channel: never outlive it.
  process.on('disconnect', () => process.exit(1));
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      if (process.send) process.send({ type: 'error', message } satisfies LoadMessage, () => process.exit(1));
      else {
        process.stderr.write(`${message}\n`);
        process.exit(1);
      }
    },
  );
}
