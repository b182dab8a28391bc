// Issue 12's proof that a broadcast-only WebSocket API is served from its spec alone: in a copy of
// the project, add examples/notifications' spec, run `npm run generate`, start `switchyard serve`,
// and a socket hears what `POST /publish/v1/notifications` publishes, with no change under src/.
import { call } from './helpers/gateway';
import { startServeProcess, type ServeProcess } from './helpers/process';
import { copyProject, type ProjectCopy } from './helpers/project-copy';
import { connect } from './helpers/ws';

let copy: ProjectCopy;
let serve: ServeProcess | undefined;
let url: string;
const cli = (...args: string[]) => copy.cli(...args);
const git = (...args: string[]) => copy.git(...args);

beforeAll(async () => {
  copy = copyProject('switchyard-broadcast-');
  // What a user does: one spec file, then generate.
  copy.add('examples/notifications/notifications.asyncapi.yaml', 'specs/notifications.asyncapi.yaml');
  copy.run('npm', ['run', 'generate', '--silent']);
  serve = await startServeProcess({ LOG_LEVEL: 'warn' }, 60_000, copy.dir);
  url = serve.url;
}, 240_000);

afterAll(async () => {
  if (serve && serve.child.exitCode === null) {
    serve.child.kill('SIGTERM');
    await serve.exited;
  }
  copy?.remove();
});

it('serves a broadcast-only API written as one spec file: a published notification reaches its user only', async () => {
  const alice = cli('token', '--sub', 'alice', '--claim', 'user_id=u1');
  const bob = cli('token', '--sub', 'bob', '--claim', 'user_id=u2');
  const publisher = cli('token', '--sub', 'notifier', '--scope', 'publish');
  const ws = url.replace('http', 'ws');
  // The token as a header (a server-side client) and as ?token= (a browser).
  const a = await connect(`${ws}/notifications`, { headers: { authorization: `Bearer ${alice}` } });
  const b = await connect(`${ws}/notifications?token=${bob}`);
  // Admission (the token check) follows the upgrade: give it a moment before publishing.
  await new Promise((r) => setTimeout(r, 300));

  const publish = (to: string, title: string) =>
    call(`${url}/publish/v1/notifications`, {
      headers: { authorization: `Bearer ${publisher}` },
      body: { message: 'notification', to: { user_id: to }, data: { id: title, title, created_at: '2026-12-03T12:00:00Z' } },
    });
  expect((await publish('u1', 'for alice')).status).toBe(202);
  expect((await publish('u2', 'for bob')).status).toBe(202);

  expect(await a.next()).toEqual({ type: 'notification', notification: { id: 'for alice', title: 'for alice', created_at: '2026-12-03T12:00:00Z' } });
  expect(await b.next()).toEqual({ type: 'notification', notification: { id: 'for bob', title: 'for bob', created_at: '2026-12-03T12:00:00Z' } });
  // Bob's first frame was his own: alice's notifications never reach him.
  expect(b.frames).toHaveLength(1);
  a.ws.close();
  b.ws.close();

  // The spec is validated at the publish API: a notification that breaks it is refused.
  const bad = await call(`${url}/publish/v1/notifications`, {
    headers: { authorization: `Bearer ${publisher}` },
    body: { message: 'notification', to: { user_id: 'u1' }, data: { id: 'x' } },
  });
  expect(bad.status).toBe(422);

  // No source change: the spec and what generate wrote are the whole difference.
  expect(git('status', '--porcelain', '--', 'src/')).toBe('');
  expect(git('diff', '--stat', '--', 'src/')).toBe('');
  expect(git('status', '--porcelain').split('\n').filter(Boolean).sort()).toEqual(
    expect.arrayContaining(['?? generated/notifications/', '?? specs/notifications.asyncapi.yaml', ' M generated/socket-endpoints.ts']),
  );
}, 120_000);
