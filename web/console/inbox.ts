// The messenger callback inbox: the console opens an inbox on the gateway, registers its URL as the
// user's callback through the public API (POST /events/callback/start), and lists every delivery
// live with its headers, body, spec verdict and what a receiver's signature check would say. The
// gateway hands inbox deliveries over in process (src/egress/console-inboxes.ts), so its egress
// policy for real callbacks stays as strict as configured.
import { call, mintToken, type Verdict } from './api';
import { h } from './dom';

interface Delivery {
  n: number;
  at: number;
  headers: Record<string, string>;
  body: string;
  signature: { valid: boolean; reason: string };
  verdict: Verdict;
}

function row(d: Delivery): HTMLElement {
  const headers = Object.entries(d.headers).map(([name, value]) => `${name}: ${value}`).join('\n');
  return h(
    'li',
    { class: 'sy-delivery', 'data-valid': String(d.verdict.valid), 'data-signature': String(d.signature.valid), 'data-message': d.verdict.message ?? '' },
    h('time', {}, new Date(d.at).toLocaleTimeString()),
    h('span', { class: 'sy-verdict' }, `${d.verdict.message ?? 'unknown'} ${d.verdict.valid ? '✓ valid' : '✗ invalid'} · signature ${d.signature.valid ? '✓' : '✗'} ${d.signature.reason}`),
    h('pre', { class: 'sy-headers' }, headers),
    h('code', {}, d.body),
    d.verdict.valid ? null : h('ul', { class: 'sy-frame-errors' }, ...d.verdict.errors.map((e) => h('li', {}, e.message))),
  );
}

/** The inbox controls and list; `user` reads the sub field of the messenger client. */
export function inboxPanel(user: () => string): HTMLElement {
  const list = h('ol', { class: 'sy-frames sy-inbox', 'aria-live': 'polite' });
  const status = h('span', { class: 'sy-status sy-inbox-status', 'data-state': 'idle' }, 'no inbox');
  const open = h('button', { type: 'button', class: 'sy-inbox-open' }, 'Open an inbox and register it as the callback');
  let seen = 0;
  let id: string | undefined;
  const poll = async () => {
    if (!id || location.hash !== '#messenger') return;
    const answer = await call<{ deliveries?: Delivery[] }>(`/console/api/inbox/${id}?after=${seen}`);
    for (const d of answer.body.deliveries ?? []) {
      seen = Math.max(seen, d.n);
      list.append(row(d));
    }
  };
  open.onclick = () =>
    void (async () => {
      const inbox = await call<{ id: string; path: string }>('/console/api/inbox', { method: 'POST' });
      if (inbox.status !== 201) throw new Error(`inbox: ${inbox.status}`);
      const callback = new URL(inbox.body.path, location.href).toString();
      const token = await mintToken(user(), {});
      const registered = await call<{ code?: number }>('/events/callback/start', { body: { token, callback }, bearer: null });
      if (registered.body.code !== 10) throw new Error(`POST /events/callback/start: ${registered.status} ${JSON.stringify(registered.body)}`);
      id = inbox.body.id;
      seen = 0;
      list.replaceChildren();
      status.textContent = `registered ${callback}`;
      status.dataset.state = 'open';
    })().catch((err: unknown) => {
      status.textContent = `failed: ${err instanceof Error ? err.message : String(err)}`;
      status.dataset.state = 'failed';
    });
  setInterval(() => void poll(), 1500);
  return h(
    'div',
    { class: 'sy-inbox-panel' },
    h('h3', {}, 'Callback inbox ', status),
    open,
    h('p', { class: 'sy-note' }, "Webhook deliveries to this inbox stay inside this gateway node (no connection is made, so WEBHOOK_ALLOWED_NETWORKS need not allow it). Registering a callback replaces the user's polling: events go to the inbox until another callback is registered."),
    list,
  );
}
