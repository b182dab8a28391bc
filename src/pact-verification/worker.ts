// A verification in a child process of `switchyard verify`: pact's native verifier prints its whole
// log to the process's own stdout, which the command keeps out of its short report (and shows with
// --verbose). Receives the source over IPC, answers with the Verification or an error message.
import { startProvider } from './provider';
import type { PactSource } from './sources';
import { verifySource, type Verification } from './verify';

export type WorkerRequest = { source: PactSource; logLevel: 'error' | 'warn' | 'info' | 'debug' };
export type WorkerAnswer = { verification: Verification } | { error: string };

process.once('message', (request: WorkerRequest) => {
  void (async (): Promise<WorkerAnswer> => {
    const provider = await startProvider();
    try {
      return { verification: await verifySource(provider, request.source, request.logLevel) };
    } finally {
      await provider.stop();
    }
  })()
    .catch((err: unknown): WorkerAnswer => ({ error: err instanceof Error ? err.message : String(err) }))
    .then((answer) => process.send!(answer, () => process.exit(0)));
});
