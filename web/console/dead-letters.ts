// Dead letters (with Kafka): the newest records of every API's DLQ topic with the reason the bus
// gave, and a replay button that publishes one again through the publish API's checks.
import { call, type Problem } from './api';
import { h } from './dom';

interface DeadLetter {
  api: string;
  partition: number;
  offset: string;
  reason: string;
  value: string;
  timestamp: number;
}

export function deadLettersPanel(): HTMLElement {
  const body = h('tbody');
  const status = h('p', { class: 'sy-note', role: 'status' });
  const reload = h('button', { type: 'button' }, 'Reload');
  const load = async () => {
    status.textContent = 'Reading the dead-letter topics…';
    const answer = await call<{ records?: DeadLetter[]; error?: string }>('/console/api/dead-letters');
    if (answer.status !== 200 || !answer.body.records) {
      status.textContent = `${answer.status} ${answer.body.error ?? ''}`;
      return;
    }
    status.textContent = `${answer.body.records.length} dead letters`;
    body.replaceChildren(
      ...answer.body.records.map((record) => {
        const result = h('span', { class: 'sy-replay-result' });
        const replay = h('button', { type: 'button' }, 'Replay');
        replay.onclick = () =>
          void call<{ id?: string; error?: string; errors?: Problem[] }>('/console/api/dead-letters/replay', { body: { api: record.api, partition: record.partition, offset: record.offset } }).then((a) => {
            result.dataset.status = String(a.status);
            result.textContent = a.status === 202 ? `replayed, id ${a.body.id}` : `${a.status} ${a.body.error ?? ''} ${(a.body.errors ?? []).map((e) => e.message).join('; ')}`;
          });
        return h(
          'tr',
          { 'data-api': record.api, 'data-offset': record.offset },
          h('td', {}, new Date(record.timestamp).toLocaleString()),
          h('td', {}, record.api),
          h('td', {}, `${record.partition}/${record.offset}`),
          h('td', { class: 'sy-reason' }, record.reason),
          h('td', {}, h('code', {}, record.value.length > 300 ? `${record.value.slice(0, 300)}…` : record.value)),
          h('td', {}, replay, result),
        );
      }),
    );
  };
  reload.onclick = () => void load();
  let loaded = false;
  // Reading the topics takes a consumer group join: only when the tab is first shown.
  const maybeLoad = () => {
    if (!loaded && location.hash === '#dead-letters') {
      loaded = true;
      void load();
    }
  };
  window.addEventListener('hashchange', maybeLoad);
  setTimeout(maybeLoad);
  const head = h('thead', {}, h('tr', {}, ...['dead-lettered', 'API', 'partition/offset', 'reason', 'record', ''].map((t) => h('th', {}, t))));
  return h('div', { class: 'sy-dead-letters' }, h('h2', {}, 'Dead letters ', reload), status, h('table', { class: 'sy-table' }, head, body));
}
