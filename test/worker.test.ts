// A worker of `serve --workers N` listens when the primary grants it (src/cluster/worker.ts): a real
// child process on an IPC channel, with this test as its primary.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { LISTEN_GRANT, LISTEN_REQUEST } from '../src/cluster/worker-messages';

const WORKER = `
  const { listenGranted } = require(${JSON.stringify(join(__dirname, '..', 'src', 'cluster', 'worker'))});
  listenGranted().then(
    () => { console.log('granted'); process.disconnect(); },
    (err) => { console.log('refused: ' + err.message); },
  );
`;

function startWorker(): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', WORKER], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output.trim() };
}

it('asks the primary, and listens once the primary grants it', async () => {
  const { child, output } = startWorker();
  const [asked] = (await once(child, 'message')) as [{ type: string }];
  expect(asked).toEqual({ type: LISTEN_REQUEST });
  child.send({ type: LISTEN_GRANT });
  await once(child, 'exit');
  expect(output()).toBe('granted');
});

it('gives up, rather than wait forever, when the primary goes away first', async () => {
  const { child, output } = startWorker();
  await once(child, 'message');
  child.disconnect();
  await once(child, 'exit');
  expect(output()).toBe('refused: the primary went away before this worker could listen');
});
