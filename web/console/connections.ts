// Connections overview: the gateway's own counters (connections_open, long_polls_open, events
// published and delivered), per API, refreshed every few seconds while shown.
import { call } from './api';
import { h } from './dom';

type Sample = { api?: string; message?: string; value: number };
interface Counters {
  connectionsOpen: Sample[];
  longPollsOpen: Sample[];
  eventsPublished: Sample[];
  eventsDelivered: Sample[];
}

function sum(samples: Sample[], api: string): number {
  return samples.filter((s) => s.api === api).reduce((n, s) => n + s.value, 0);
}

export function connectionsPanel(): HTMLElement {
  const body = h('tbody');
  const table = h('table', { class: 'sy-table' }, h('thead', {}, h('tr', {}, ...['API', 'open connections', 'open long polls', 'events published', 'events delivered'].map((t) => h('th', {}, t)))), body);
  const refresh = async () => {
    const answer = await call<Counters>('/console/api/connections');
    if (answer.status !== 200) return;
    const c = answer.body;
    const apis = ['games', 'pizza', 'workspace', 'events', 'messenger'];
    body.replaceChildren(
      ...apis.map((api) => h('tr', { 'data-api': api }, h('td', {}, api), ...[c.connectionsOpen, c.longPollsOpen, c.eventsPublished, c.eventsDelivered].map((s) => h('td', {}, String(sum(s, api)))))),
    );
  };
  void refresh();
  setInterval(() => {
    if (location.hash === '#connections') void refresh();
  }, 3000);
  return h('div', { class: 'sy-connections' }, h('h2', {}, 'Connections on this node'), table, h('p', { class: 'sy-note' }, 'From the gateway\'s own counters (/metrics), refreshed every 3 s.'));
}
