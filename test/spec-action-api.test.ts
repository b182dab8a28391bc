// Issue 12's proof that an API with client actions needs its spec plus one handler file: in a copy of
// the project, add examples/todos' spec and handlers (src/apis/todos/handlers.ts), run
// `npm run generate`, type-check the handlers against the generated types, start `switchyard serve`,
// and real `ws` clients get their replies, the list's broadcasts, a forwarded action answered by
// its back-end (no handler), and the documented error frame for bad requests. Under src/ only the
// handler file is new.
import { createServer, type Server } from 'node:http';
import { startServeProcess, type ServeProcess } from './helpers/process';
import { copyProject, type ProjectCopy } from './helpers/project-copy';
import { connect, type TestSocket } from './helpers/ws';

let copy: ProjectCopy;
let serve: ServeProcess | undefined;
let backend: Server;
/** What the archive back-end was sent. */
const forwarded: any[] = [];
let ws: string;

beforeAll(async () => {
  copy = copyProject('switchyard-actions-');
  // What a user does: the spec, the one handler file, then generate.
  copy.add('examples/todos/todos.asyncapi.yaml', 'specs/todos.asyncapi.yaml');
  copy.add('examples/todos/handlers.ts', 'src/apis/todos/handlers.ts');
  copy.run('npm', ['run', 'generate', '--silent']);

  // The back-end of the forwarded `archive` action: answers {response_status, errors, data}.
  backend = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      forwarded.push(JSON.parse(body));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ response_status: 200, errors: [], data: { archived: 2 } }));
    });
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const backendUrl = `http://127.0.0.1:${(backend.address() as { port: number }).port}/actions`;
  serve = await startServeProcess({ LOG_LEVEL: 'warn', ACTION_BACKENDS: `archive=${backendUrl}` }, 60_000, copy.dir);
  ws = serve.url.replace('http', 'ws');
}, 300_000);

afterAll(async () => {
  if (serve && serve.child.exitCode === null) {
    serve.child.kill('SIGTERM');
    await serve.exited;
  }
  await new Promise((resolve) => backend?.close(resolve));
  copy?.remove();
});

/** A socket on `list`, admitted (its first request answered). */
async function open(user: string, list: string): Promise<TestSocket> {
  const token = copy.cli('token', '--sub', user);
  const socket = await connect(`${ws}/todos?list=${list}`, { headers: { authorization: `Bearer ${token}` } });
  socket.send({ type: 'list', id: 'hello' });
  await socket.next((f) => f.id === 'hello');
  return socket;
}

it('the generated types hold the handler file: it type-checks against generated/todos', () => {
  copy.run(process.execPath, [
    require.resolve('typescript/bin/tsc'), '--noEmit', '--strict', '--esModuleInterop', '--skipLibCheck', '--resolveJsonModule',
    '--target', 'ES2022', '--module', 'commonjs', '--moduleResolution', 'node', '--types', 'node', 'src/apis/todos/handlers.ts',
  ]);
}, 240_000);

it('answers actions by operationId with the handlers, broadcasts to the list before the reply, and touches no other source file', async () => {
  const alice = await open('alice', 'groceries');
  const bob = await open('bob', 'groceries');
  const carol = await open('carol', 'work');

  alice.send({ type: 'add', id: 'r1', text: 'Buy milk' });
  const reply = await alice.next((f) => f.id === 'r1');
  const item = { id: expect.any(String), text: 'Buy milk', by: 'alice', done: false };
  expect(reply).toEqual({ type: 'add-reply', id: 'r1', item });
  // The handler's broadcast reached the caller before its reply, and the other socket of the list.
  const added = alice.frames.findIndex((f: any) => f.type === 'added');
  expect(added).toBeGreaterThanOrEqual(0);
  expect(added).toBeLessThan(alice.frames.indexOf(reply));
  expect(await bob.next((f) => f.type === 'added')).toEqual({ type: 'added', item });

  bob.send({ type: 'list', id: 'r2' });
  expect(await bob.next((f) => f.id === 'r2')).toEqual({ type: 'list-reply', id: 'r2', items: [item] });
  carol.send({ type: 'list', id: 'r2' });
  expect(await carol.next((f) => f.id === 'r2')).toEqual({ type: 'list-reply', id: 'r2', items: [] });
  expect(carol.frames.some((f: any) => f.type === 'added')).toBe(false);
  for (const s of [alice, bob, carol]) s.ws.close();

  // The spec and what generate wrote, plus the one handler file: nothing else under src/ changed.
  expect(copy.git('diff', '--stat', '--', 'src/')).toBe('');
  expect(copy.git('status', '--porcelain', '--untracked-files=all', '--', 'src/')).toBe('?? src/apis/todos/handlers.ts\n');
  expect(copy.git('status', '--porcelain').split('\n').filter(Boolean).sort()).toEqual(
    expect.arrayContaining(['?? generated/todos/', '?? specs/todos.asyncapi.yaml', ' M generated/socket-endpoints.ts']),
  );
}, 120_000);

it('forwards the action the spec marks x-switchyard forward to its back-end, with no handler, and relays the answer', async () => {
  const alice = await open('alice', 'groceries');
  alice.send({ type: 'archive', id: 'r3' });
  expect(await alice.next((f) => f.id === 'r3')).toEqual({ type: 'archive-reply', id: 'r3', archived: 2 });
  expect(forwarded).toEqual([
    expect.objectContaining({ api: 'todos', action: 'archive', request_id: 'r3', payload: { type: 'archive', id: 'r3' }, user: expect.objectContaining({ sub: 'alice' }) }),
  ]);
  alice.ws.close();
}, 60_000);

it('answers a bad request with the spec error frame {type: "error", id, status, errors} and keeps the socket open', async () => {
  const alice = await open('alice', 'groceries');
  alice.send({ type: 'add', id: 'r4' });
  expect(await alice.next((f) => f.id === 'r4')).toEqual({ type: 'error', id: 'r4', status: 400, errors: ['(root): missing required property "text"'] });
  alice.send({ type: 'rename', id: 'r5' });
  expect(await alice.next((f) => f.id === 'r5')).toEqual({ type: 'error', id: 'r5', status: 400, errors: ['Unknown request: expected one of add, list, archive'] });
  alice.send('not json');
  expect(await alice.next((f) => f.type === 'error' && f.id === null)).toEqual({ type: 'error', id: null, status: 400, errors: ['The frame is not JSON'] });
  // Still served after them.
  alice.send({ type: 'list', id: 'r6' });
  expect(await alice.next((f) => f.id === 'r6')).toMatchObject({ type: 'list-reply', id: 'r6' });
  alice.ws.close();
}, 60_000);

it('answers every request once, in order, and those beyond the message rate with a 429 error frame (WS_MESSAGE_BURST 40)', async () => {
  const bob = await open('bob', 'groceries');
  const ids = Array.from({ length: 100 }, (_, i) => `b${i}`);
  for (const id of ids) bob.send({ type: 'list', id });
  await bob.next((f) => f.id === 'b99', 30_000);
  const answers = bob.frames.filter((f: any) => ids.includes(f.id));
  expect(answers.map((f: any) => f.id)).toEqual(ids);
  expect(answers.filter((f: any) => f.type === 'list-reply').length).toBeGreaterThan(0);
  expect(answers.filter((f: any) => f.type === 'error')).toEqual(
    expect.arrayContaining([{ type: 'error', id: expect.any(String), status: 429, errors: ['Too many requests: at most 20 per second (bursts of 40)'] }]),
  );
  bob.ws.close();
}, 60_000);
