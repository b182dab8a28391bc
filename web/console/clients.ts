// One live client per API, opened from the browser the way that API's real clients connect:
// pizza (ticket, then socket), games (socket with session_key; subscribe/join/retrieve), workspace
// (socket.io with `auth`), events (long poll with the API secret), messenger (poll, and a callback inbox).
import { io, type Socket } from 'socket.io-client';
import { call, mintToken } from './api';
import { h } from './dom';
import { FrameLog } from './frames';
import { inboxPanel } from './inbox';

export interface ClientContext {
  api: string;
  devApiSecret?: string;
  /** The spec's examples of what clients send (games requests, workspace auth), by message name. */
  presets: Record<string, unknown>;
}

function input(name: string, value: string, label: string): [HTMLLabelElement, HTMLInputElement] {
  const element = h('input', { name, type: 'text', value });
  return [h('label', { class: 'sy-field sy-inline' }, h('span', {}, label), element), element];
}

function socketUrl(path: string): string {
  const url = new URL(path, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function wsClient(log: FrameLog, open: () => Promise<string>, status: HTMLElement, onOpen?: (ws: WebSocket) => void): () => Promise<WebSocket> {
  return async () => {
    const url = await open();
    const ws = new WebSocket(url);
    ws.onopen = () => {
      status.textContent = 'open';
      status.dataset.state = 'open';
      log.info(`socket open: ${url.replace(/(key|session_key)=[^&]+/, '$1=…')}`);
      onOpen?.(ws);
    };
    ws.onmessage = (e) => void log.frame('in', parse(String(e.data)));
    ws.onclose = (e) => {
      status.textContent = `closed ${e.code}${e.reason ? ` ${e.reason}` : ''}`;
      status.dataset.state = 'closed';
      log.info(`socket closed: ${e.code} ${e.reason}`);
    };
    return ws;
  };
}

/** The client panel of one API: its connect controls, its send box where it has one, its log. */
export function clientPanel(ctx: ClientContext): HTMLElement {
  const log = new FrameLog(ctx.api);
  const status = h('span', { class: 'sy-status', 'data-state': 'idle' }, 'not connected');
  const controls = h('div', { class: 'sy-controls' });
  const connect = h('button', { type: 'button', class: 'sy-connect' }, 'Connect');
  const fail = (err: unknown) => {
    status.textContent = `failed: ${err instanceof Error ? err.message : String(err)}`;
    status.dataset.state = 'failed';
  };

  if (ctx.api === 'pizza') {
    const [subRow, sub] = input('sub', 'console', 'user (sub)');
    const [storeRow, store] = input('store_id', '1', 'store_id');
    const start = wsClient(log, async () => {
      const token = await mintToken(sub.value, { store_id: Number(store.value) });
      const ticket = await call<{ token?: string; info?: string }>('/api/v1/ws/ticket', { bearer: token });
      log.info(`GET /api/v1/ws/ticket: ${ticket.status}`);
      if (!ticket.body.token) throw new Error(`ticket: ${ticket.status}`);
      return socketUrl(`/ws?key=${encodeURIComponent(ticket.body.token)}`);
    }, status);
    connect.onclick = () => void start().catch(fail);
    controls.append(subRow, storeRow, connect);
  } else if (ctx.api === 'games') {
    const [subRow, sub] = input('sub', 'console', 'user (sub)');
    let socket: WebSocket | undefined;
    const start = wsClient(log, async () => socketUrl(`/?session_key=${encodeURIComponent(await mintToken(sub.value, {}))}`), status);
    connect.onclick = () => void start().then((ws) => (socket = ws), fail);
    controls.append(subRow, connect, sendBox(ctx, log, (frame) => socket?.send(JSON.stringify(frame))));
  } else if (ctx.api === 'workspace') {
    const [subRow, sub] = input('sub', 'console', 'user (sub)');
    const [wsRow, workspace] = input('workspaceId', 'w1', 'workspaceId');
    let socket: Socket | undefined;
    connect.onclick = () =>
      void mintToken(sub.value, { workspaces: [workspace.value] }).then((token) => {
        socket?.close();
        const s = io({ path: '/socket.io/', transports: ['websocket'] });
        socket = s;
        s.on('connect', () => {
          status.textContent = 'open';
          status.dataset.state = 'open';
          const auth = { token, workspaceId: workspace.value };
          s.emit('auth', auth);
          void log.frame('out', auth, 'auth');
        });
        s.onAny((event: string, payload: unknown) => void log.frame('in', payload, event));
        s.on('disconnect', (reason) => {
          status.textContent = `closed: ${reason}`;
          status.dataset.state = 'closed';
        });
      }, fail);
    controls.append(subRow, wsRow, connect);
  } else if (ctx.api === 'events') {
    const [channelRow, channel] = input('channel', 'console', 'channel');
    const [secretRow, secret] = input('secret', ctx.devApiSecret ?? '', 'API secret');
    let running = false;
    connect.textContent = 'Start long poll';
    connect.onclick = () => {
      if (running) return;
      running = true;
      status.textContent = 'polling';
      status.dataset.state = 'open';
      void (async () => {
        let after: number | undefined; // unset: the server's stored cursor for this client id
        while (running) {
          const query = new URLSearchParams({ clientId: 'switchyard-console', channel: channel.value, secret: secret.value });
          if (after !== undefined) query.set('after', String(after));
          const answer = await call<unknown[]>(`/events/v1/events?${query}`, { bearer: null });
          if (answer.status !== 200) {
            running = false;
            fail(new Error(`GET /events/v1/events: ${answer.status} ${JSON.stringify(answer.body)}`));
            break;
          }
          for (const event of answer.body) void log.frame('in', event);
          const last = answer.body.at(-1) as { id?: number } | undefined;
          if (last?.id !== undefined) after = last.id;
        }
      })();
    };
    controls.append(channelRow, secretRow, connect);
  } else if (ctx.api === 'messenger') {
    const [subRow, sub] = input('sub', 'console', 'user (sub)');
    let running = false;
    connect.textContent = 'Start polling';
    connect.onclick = () =>
      void mintToken(sub.value, {}).then(async (token) => {
        if (running) return;
        running = true;
        status.textContent = 'polling';
        status.dataset.state = 'open';
        while (running) {
          const answer = await call<{ code?: number; type?: string }>('/events/polling', { body: { token }, bearer: null });
          // 204: the poll timed out without an event (no body); poll again.
          if (answer.status === 200) void log.frame('in', answer.body);
          else if (answer.status !== 204) {
            running = false;
            fail(new Error(`POST /events/polling: ${answer.status}`));
          }
        }
      }, fail);
    controls.append(subRow, connect);
    return h('div', { class: 'sy-client' }, h('h2', {}, 'Live client ', status), controls, log.element, inboxPanel(() => sub.value));
  }
  return h('div', { class: 'sy-client' }, h('h2', {}, 'Live client ', status), controls, log.element);
}

/** A frame editor prefilled from the spec's examples of what the client sends. */
function sendBox(ctx: ClientContext, log: FrameLog, send: (frame: unknown) => void): HTMLElement {
  const names = Object.keys(ctx.presets);
  const select = h('select', { name: 'preset' }, ...names.map((n) => h('option', { value: n }, n)));
  const text = h('textarea', { name: 'frame', rows: '4', spellcheck: false });
  const fill = () => (text.value = JSON.stringify(ctx.presets[select.value] ?? {}, null, 2));
  select.onchange = fill;
  fill();
  const button = h('button', { type: 'button' }, 'Send');
  button.onclick = () => {
    const frame = parse(text.value);
    send(frame);
    void log.frame('out', frame);
  };
  return h('div', { class: 'sy-send' }, h('label', { class: 'sy-field sy-inline' }, h('span', {}, 'frame'), select), text, button);
}
