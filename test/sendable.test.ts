// The one validate-before-send: a valid frame passes silently; one that breaks its spec message is
// refused, logged once (without the frame) and counted per API and message id.
import pino from 'pino';
import { catalogues } from '../generated';
import { sendable } from '../src/envelopes/sendable';
import { Metrics } from '../src/metrics';

function deps() {
  const logged: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
  return { log, metrics: new Metrics({ defaultMetrics: false }), logged };
}

const apiError = catalogues.workspace.messages['socket-api-error'];
const valid = { event: 'auth', message: 'Invalid token' };

it('lets a valid frame through without logging or counting', async () => {
  const d = deps();
  expect(apiError.validate(valid)).toBe(true);
  expect(sendable(d, 'workspace', apiError, valid)).toBe(true);
  expect(d.logged).toEqual([]);
  expect(await d.metrics.text()).not.toMatch(/^outgoing_invalid_total\{/m);
});

it('refuses a frame that breaks the spec: one error line with the message id, described errors and context; one count', async () => {
  const d = deps();
  const secret = 'a user\'s private text';
  const frame = { event: 'auth', message: 'Invalid token', text: secret };
  expect(sendable(d, 'workspace', apiError, frame, { id: 'env-1' })).toBe(false);
  expect(d.logged).toEqual([
    expect.objectContaining({ level: 50, api: 'workspace', message: apiError.id, id: 'env-1', errors: ['(root): unexpected property "text"'], msg: 'refusing to send a frame that breaks the spec' }),
  ]);
  expect(JSON.stringify(d.logged)).not.toContain(secret);
  sendable(d, 'workspace', apiError, {});
  expect(await d.metrics.text()).toContain(`outgoing_invalid_total{api="workspace",message="${apiError.id}"} 2`);
});

it('context cannot overwrite the api, message id or errors', () => {
  const d = deps();
  sendable(d, 'workspace', apiError, {}, { api: 'x', message: 'y', errors: [] });
  expect(d.logged[0]).toMatchObject({ api: 'workspace', message: apiError.id });
  expect(d.logged[0].errors).not.toEqual([]);
});
