// The messenger's long poll as the popular Python bot client (astrakpy; ORIGINALS.md) drives it,
// against a real gateway. That client is not on PyPI, so its loop is written here step for step:
//
//   while True:
//     try: resp = await POST /events/polling (form: token) -> aiohttp rq.json()
//            (raises unless the answer is application/json)
//          if resp["code"] < 0: raise AstrakError
//     except ClientError: continue             # a non-JSON answer is skipped: poll again
//     for handler in handlers:
//       any-message handler: Message(text=resp["event"]["text"], created_at=..., from_id=..., message_id=...)
//       typed handler:       if handler.type == resp["type"]: ... resp["event"]["text"]
//
// Any JSON answer without `event` (or a negative code) ends that loop; so does an event without the
// fields its handler reads. The contract asserted: every JSON poll answer is {code >= 0, type, event},
// and the idle polls in between (timeouts) are answered in a form the loop skips, with a header that
// tells a human what happened.
import { call, startGateway, type TestGateway } from '../helpers/gateway';
import { newMessage } from '../helpers/webhook-receiver';

const POLL_TIMEOUT_MS = 200;
let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ MESSENGER_POLL_TIMEOUT_MS: String(POLL_TIMEOUT_MS) });
});
afterAll(() => gw.stop());

/** What the bot's message handlers were given (astrakpy's Message). */
interface Message {
  text: string;
  created_at: number;
  from_id: number;
  message_id: number;
}

/** astrakpy's AstrakError / a KeyError in its loop: either ends the bot. */
class BotCrashed extends Error {}

/** aiohttp's `rq.json()`: JSON only for an application/json answer, else ContentTypeError. */
async function readJson(res: Response): Promise<{ json: true; body: unknown } | { json: false }> {
  const type = (res.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  const text = await res.text();
  if (type !== 'application/json') return { json: false };
  return { json: true, body: text.trim() === '' ? null : JSON.parse(text) };
}

/** `resp[key]` in Python: a KeyError (or TypeError) ends the loop. */
function key(value: unknown, name: string): unknown {
  if (typeof value !== 'object' || value === null || !(name in value)) throw new BotCrashed(`KeyError: '${name}' in ${JSON.stringify(value)}`);
  return (value as Record<string, unknown>)[name];
}

interface BotRun {
  /** Messages the any-message handler got, and those the typed (`new_message`, text "hi") one got. */
  any: Message[];
  hi: Message[];
  /** Answers skipped as not JSON: status and the header a human reads. */
  skipped: Array<{ status: number; why: string | null }>;
}

/** Runs the bot's loop until `until` holds or `maxPolls` polls were made; throws BotCrashed as the bot would die. */
async function runBot(token: string, until: (run: BotRun) => boolean, maxPolls: number, onPoll?: (polls: number) => Promise<void>): Promise<BotRun> {
  const run: BotRun = { any: [], hi: [], skipped: [] };
  for (let polls = 0; polls < maxPolls && !until(run); polls++) {
    await onPoll?.(polls);
    const res = await fetch(`${gw.url}/events/polling`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    const answer = await readJson(res);
    if (!answer.json) {
      run.skipped.push({ status: res.status, why: res.headers.get('x-poll-timeout') });
      continue;
    }
    const resp = answer.body;
    const code = key(resp, 'code');
    if (typeof code !== 'number' || code < 0) throw new BotCrashed(`AstrakError: [${String(code)}] ${String((resp as { response?: unknown }).response)}`);
    // any-message handler
    const event = key(resp, 'event');
    run.any.push({
      text: key(event, 'text') as string,
      created_at: key(event, 'created_at') as number,
      from_id: key(event, 'from_id') as number,
      message_id: key(event, 'message_id') as number,
    });
    // typed handler: on_message(text="hi")
    if (key(resp, 'type') === 'new_message' && key(key(resp, 'event'), 'text') === 'hi') run.hi.push(run.any[run.any.length - 1]);
  }
  return run;
}

async function publishMessage(to: number, message: ReturnType<typeof newMessage>): Promise<void> {
  const token = await gw.token('backend', {}, 'publish');
  const r = await call(`${gw.url}/publish/v1/messenger`, { body: { message: 'new_message', to: { user_id: to }, data: message }, headers: { authorization: `Bearer ${token}` } });
  expect(r.status).toBe(202);
}

it('the bot loop survives idle polls (timeouts) and gets each message, as the popular Python client reads them', async () => {
  const user = 4101;
  const token = await gw.token(String(user));
  // Two idle polls first, then a message, an idle stretch, and a message its typed handler wants.
  const run = await runBot(token, (r) => r.any.length === 2, 12, async (polls) => {
    if (polls === 2) await publishMessage(user, newMessage(1, user));
    if (polls === 5) await publishMessage(user, { ...newMessage(2, user), text: 'hi' });
  });
  expect(run.any.map((m) => m.message_id)).toEqual([1, 2]);
  expect(run.any[0]).toEqual({ text: 'message 1', created_at: newMessage(1, user).created_at, from_id: 99, message_id: 1 });
  expect(run.hi.map((m) => m.message_id)).toEqual([2]);
  // The timeouts the loop skipped: no JSON, and a header a human can read.
  expect(run.skipped.length).toBeGreaterThanOrEqual(2);
  for (const s of run.skipped) expect(s).toEqual({ status: 204, why: `no event for this user within ${POLL_TIMEOUT_MS} ms; poll again` });
});

it('every JSON answer of a poll carries {code >= 0, type, event}; an idle poll carries no JSON at all', async () => {
  const user = 4102;
  const token = await gw.token(String(user));
  const idle = await fetch(`${gw.url}/events/polling`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}` });
  expect({ status: idle.status, type: idle.headers.get('content-type'), body: await idle.text() }).toEqual({ status: 204, type: null, body: '' });
  await publishMessage(user, newMessage(7, user));
  const answered = await call(`${gw.url}/events/polling`, { form: { token } });
  expect(answered.headers.get('content-type')).toMatch(/^application\/json/);
  expect(answered.body).toEqual({ code: 10, type: 'new_message', event: newMessage(7, user) });
});

it('an error answer is JSON with a negative code, which the bot raises on (it is not a poll result)', async () => {
  await expect(runBot('not-a-jwt', () => false, 1)).rejects.toThrow(new BotCrashed('AstrakError: [-1] Invalid token'));
});
