// Connections overview: the gateway's own counters (connections_open, long_polls_open, events
// published and delivered) per API, and each API's largest audiences (stores, game subscriptions,
// workspace rooms, messenger users, events channels) read live from the node's bookkeeping. Both
// are this node's only; refreshed every few seconds while shown.
import { call } from './api';
import { h } from './dom';

type Sample = { api?: string; message?: string; value: number };
interface ApiAudiences {
  api: string;
  kind: string;
  audiences: number;
  connections: number;
  largest: Array<{ audience: string; count: number }>;
}
interface Counters {
  connectionsOpen: Sample[];
  longPollsOpen: Sample[];
  eventsPublished: Sample[];
  eventsDelivered: Sample[];
  node: string;
  audiences: ApiAudiences[];
}

function sum(samples: Sample[], api: string): number {
  return samples.filter((s) => s.api === api).reduce((n, s) => n + s.value, 0);
}

const table = (head: string[], body: HTMLTableSectionElement) => h('table', { class: 'sy-table' }, h('thead', {}, h('tr', {}, ...head.map((t) => h('th', {}, t)))), body);

export function connectionsPanel(): HTMLElement {
  const totals = h('tbody');
  const audiences = h('tbody', { class: 'sy-audiences' });
  const node = h('span', { class: 'sy-node' });
  const refresh = async () => {
    const answer = await call<Counters>('/console/api/connections');
    if (answer.status !== 200) return;
    const c = answer.body;
    node.textContent = c.node;
    const apis = ['games', 'pizza', 'workspace', 'events', 'messenger'];
    totals.replaceChildren(
      ...apis.map((api) => h('tr', { 'data-api': api }, h('td', {}, api), ...[c.connectionsOpen, c.longPollsOpen, c.eventsPublished, c.eventsDelivered].map((s) => h('td', {}, String(sum(s, api)))))),
    );
    audiences.replaceChildren(
      ...c.audiences.flatMap((a) =>
        a.largest.map((l, i) =>
          h(
            'tr',
            { 'data-api': a.api, 'data-audience': l.audience },
            h('td', {}, i === 0 ? a.api : ''),
            h('td', {}, i === 0 ? `${a.kind} (${a.connections} in ${a.audiences} audiences)` : ''),
            h('td', {}, l.audience),
            h('td', { class: 'sy-count' }, String(l.count)),
          ),
        ),
      ),
    );
  };
  const shown = () => {
    if (location.hash === '#connections') void refresh();
  };
  void refresh();
  window.addEventListener('hashchange', shown); // fresh counts as soon as the tab is shown
  setInterval(shown, 3000);
  return h(
    'div',
    { class: 'sy-connections' },
    h('h2', {}, 'Connections on this node ', node),
    h('p', { class: 'sy-note' }, 'Each gateway node counts only its own connections: behind a load balancer, every node shows a different share. Refreshed every 3 s.'),
    table(['API', 'open connections', 'open long polls', 'events published', 'events delivered'], totals),
    h('h3', {}, 'Largest audiences'),
    table(['API', 'counted', 'audience', 'connections'], audiences),
    h('p', { class: 'sy-note' }, "Read live from the gateway's own bookkeeping (socket groups, socket.io rooms, waiting polls), not from /metrics: a label per audience would make a time series per store or user."),
  );
}
