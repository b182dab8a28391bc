// The console's callback inboxes (src/egress/console-inboxes.ts): which URLs are an inbox, what the
// in-process fetch keeps, and that anything else goes to the real (guarded) fetch.
import { ConsoleInboxes } from '../src/egress/console-inboxes';

describe('ConsoleInboxes', () => {
  it('knows a URL as an inbox only by the exact path of a live id, on any origin', () => {
    const inboxes = new ConsoleInboxes();
    const id = inboxes.create();
    expect(inboxes.idOf(`http://127.0.0.1:8080/console/inbox/${id}`)).toBe(id);
    expect(inboxes.idOf(`https://gateway.example/console/inbox/${id}`)).toBe(id);
    expect(inboxes.idOf(`http://127.0.0.1:8080/console/inbox/${id}/more`)).toBeUndefined();
    expect(inboxes.idOf(`http://127.0.0.1:8080/console/inbox/${id.replace(/^./, id[0] === 'a' ? 'b' : 'a')}`)).toBeUndefined();
    expect(inboxes.idOf('not a url')).toBeUndefined();
  });

  it('hands a POST to an inbox over in process (204) and anything else to the next fetch', async () => {
    const inboxes = new ConsoleInboxes();
    const id = inboxes.create();
    const sent: string[] = [];
    const next = (async (input: string | URL | Request) => {
      sent.push(String(input));
      return new Response('elsewhere', { status: 200 });
    }) as typeof fetch;
    const fetch = inboxes.fetch(next);
    const res = await fetch(`http://127.0.0.1/console/inbox/${id}`, { method: 'POST', headers: { 'webhook-id': 'm1', 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(res.status).toBe(204);
    expect((await fetch('http://203.0.113.5/hook', { method: 'POST', body: '{}' })).status).toBe(200);
    expect(sent).toEqual(['http://203.0.113.5/hook']);
    expect(inboxes.deliveries(id)).toEqual([{ n: 1, at: expect.any(Number), headers: { 'webhook-id': 'm1', 'content-type': 'application/json' }, body: '{"a":1}' }]);
    expect(inboxes.deliveries(id, 1)).toEqual([]);
    expect(inboxes.deliveries('nope')).toBeUndefined();
  });

  it('keeps the newest deliveries of an inbox, and the newest inboxes', async () => {
    const inboxes = new ConsoleInboxes(2, 3);
    const first = inboxes.create();
    const fetch = inboxes.fetch((() => Promise.reject(new Error('no network'))) as typeof fetch);
    for (let i = 1; i <= 5; i++) await fetch(`http://x/console/inbox/${first}`, { method: 'POST', body: String(i) });
    expect(inboxes.deliveries(first)!.map((d) => [d.n, d.body])).toEqual([[3, '3'], [4, '4'], [5, '5']]);
    inboxes.create();
    inboxes.create();
    // The oldest inbox went: its URL is an ordinary one again, for the egress policy to judge.
    expect(inboxes.deliveries(first)).toBeUndefined();
    expect(inboxes.idOf(`http://x/console/inbox/${first}`)).toBeUndefined();
  });
});
