// Issue 12: a new message in an existing API keeps CI green with no hand edit outside the spec. In a
// temp copy of the project (its own git repository), pizza's spec gains a publishable CANCEL_PIZZA
// with an example; `npm run generate`, then the three contract stages run there: all pass, and the
// only files that changed are under specs/, generated/ and pacts/. Slow (a full contract run on a
// copy), so it has a Jest config of its own that .ci/run calls.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';

const ROOT = join(__dirname, '..', '..');
let work: string;

function run(command: string, args: string[]): string {
  const r = spawnSync(command, args, { cwd: work, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' }, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  return r.stdout;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'switchyard-new-message-'));
  const files = spawnSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(work, file)), { recursive: true });
    cpSync(join(ROOT, file), join(work, file));
  }
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(work, 'node_modules'));
  const git = ['-c', 'user.name=test', '-c', 'user.email=test@example.com'];
  run('git', ['init', '-q']);
  run('git', ['add', '-A']);
  run('git', [...git, 'commit', '-qm', 'copy']);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

it('a publishable message added to the pizza spec passes generate and every contract stage, with only specs/, generated/ and pacts/ changed', () => {
  const file = join(work, 'specs', 'pizza.asyncapi.yaml');
  const spec = parse(readFileSync(file, 'utf8'));
  spec.channels.notifications.messages.CANCEL_PIZZA = { $ref: '#/components/messages/CANCEL_PIZZA' };
  spec.operations.sendCancelPizza = {
    action: 'send',
    channel: { $ref: '#/channels/notifications' },
    messages: [{ $ref: '#/channels/notifications/messages/CANCEL_PIZZA' }],
  };
  spec.components.messages.CANCEL_PIZZA = {
    name: 'CANCEL_PIZZA',
    summary: 'An order was cancelled before the store accepted it.',
    payload: { $ref: '#/components/schemas/CancelPizzaEvent' },
    'x-switchyard': { audience: ['store_id'], data: '/data' },
    examples: [{ name: 'cancelled', payload: { event_name: 'CANCEL_PIZZA', data: { uuid: '9b2f4a40-5c1e-4f7a-9a55-2a0c1c3f2b11', reason: 'customer' } } }],
  };
  spec.components.schemas.CancelPizzaEvent = {
    type: 'object',
    additionalProperties: false,
    required: ['event_name', 'data'],
    properties: {
      event_name: { type: 'string', const: 'CANCEL_PIZZA' },
      data: {
        type: 'object',
        additionalProperties: false,
        required: ['uuid', 'reason'],
        properties: { uuid: { type: 'string', format: 'uuid' }, reason: { type: 'string' } },
      },
    },
  };
  writeFileSync(file, stringify(spec));

  const bin = (name: string) => join(work, 'node_modules', '.bin', name);
  run(bin('tsx'), ['scripts/generate.ts', '--quiet']);
  expect(readFileSync(join(work, 'generated', 'pizza', 'catalogue.ts'), 'utf8')).toContain('CANCEL_PIZZA');
  run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
  for (const stage of ['consumer', 'provider', 'spec-check']) run(bin('jest'), ['-c', `contract/jest.${stage}.config.js`]);

  const pact = JSON.parse(readFileSync(join(work, 'pacts', 'pizza-backoffice-switchyard.json'), 'utf8'));
  expect(pact.interactions.map((i: { metadata?: { message?: string } }) => i.metadata?.message)).toContain('CANCEL_PIZZA');
  const changed = run('git', ['status', '--porcelain', '--untracked-files=all']).split('\n').filter(Boolean).map((l) => l.slice(3));
  expect(changed.filter((p) => !/^(specs|generated|pacts)\//.test(p))).toEqual([]);
  expect(changed).toContain('specs/pizza.asyncapi.yaml');
});
