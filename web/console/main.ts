// /console: a tab per API with a live client and a publish form, and the gateway's connection
// counters. With CONSOLE_TOKEN set, the operator token is asked for once per browser tab.
import { call, setOperatorToken, usePastedToken, type ApiInfo } from './api';
import { clientPanel } from './clients';
import { connectionsPanel } from './connections';
import { deadLettersPanel } from './dead-letters';
import { h } from './dom';
import { publishPanel } from './publish';
import { loadSpec, deref } from './spec';

interface Apis {
  signsTokens: boolean;
  devApiSecret?: string;
  deadLetters: boolean;
  apis: ApiInfo[];
}

function tokenPrompt(root: HTMLElement, why: string): void {
  const token = h('input', { name: 'operator-token', type: 'password', autocomplete: 'off' });
  const form = h('form', { class: 'sy-token' }, h('p', {}, why), h('label', { class: 'sy-field sy-inline' }, h('span', {}, 'Operator token'), token), h('button', { type: 'submit' }, 'Open the console'));
  form.onsubmit = (e) => {
    e.preventDefault();
    setOperatorToken(token.value);
    location.reload();
  };
  root.replaceChildren(form);
}

/** The spec's first example of each message a client sends (games requests), by message name. */
async function presets(info: ApiInfo): Promise<Record<string, unknown>> {
  if (!info.asyncapi) return {};
  const doc = await loadSpec(info.asyncapi);
  const messages = (doc.components as { messages?: Record<string, unknown> } | undefined)?.messages ?? {};
  const out: Record<string, unknown> = {};
  for (const m of info.messages.filter((m) => m.direction === 'receive')) {
    const examples = deref(doc, messages[m.id]).examples as Array<{ payload?: unknown }> | undefined;
    if (examples?.[0]?.payload !== undefined) out[m.name] = examples[0].payload;
  }
  return out;
}

/** With JWKS the gateway signs nothing: the live clients use a token the user pastes here. */
function pastedTokenBar(): HTMLElement {
  const token = h('textarea', { name: 'user-token', rows: '2', spellcheck: false, autocomplete: 'off', placeholder: 'eyJhbGciOi…' });
  usePastedToken(() => token.value);
  return h(
    'div',
    { class: 'sy-paste' },
    h('label', { class: 'sy-field' }, h('span', {}, 'User token'), token),
    h('p', { class: 'sy-note' }, 'This gateway verifies tokens with JWKS (AUTH_JWKS_URL) and cannot mint them: paste one from your identity provider. The live clients connect with it, as its sub and with its claims (store_id, workspaces); the user fields below are then not used.'),
  );
}

async function main(): Promise<void> {
  const root = document.getElementById('console');
  if (!root) return;
  const answer = await call<Apis>('/console/api/apis');
  if (answer.status === 401) return tokenPrompt(root, 'This gateway runs the console behind an operator token (CONSOLE_TOKEN).');
  const { apis, devApiSecret, deadLetters, signsTokens } = answer.body;

  const tabs = h('nav', { class: 'sy-tabs', role: 'tablist' });
  const panels = h('div', { class: 'sy-panels' });
  const names = [...apis.map((a) => a.api), 'connections', ...(deadLetters ? ['dead-letters'] : [])];
  for (const info of apis) {
    const panel = h('section', { class: 'sy-panel', 'data-api': info.api, id: `panel-${info.api}` }, h('div', { class: 'sy-columns' }, clientPanel({ api: info.api, devApiSecret, presets: await presets(info) }), publishPanel(info)));
    panels.append(panel);
  }
  panels.append(h('section', { class: 'sy-panel', 'data-api': 'connections', id: 'panel-connections' }, connectionsPanel()));
  if (deadLetters) panels.append(h('section', { class: 'sy-panel', 'data-api': 'dead-letters', id: 'panel-dead-letters' }, deadLettersPanel()));
  for (const name of names) tabs.append(h('a', { href: `#${name}`, role: 'tab', 'data-tab': name }, name));

  const select = () => {
    const wanted = location.hash.slice(1);
    const name = names.includes(wanted) ? wanted : names[0];
    for (const panel of panels.children) (panel as HTMLElement).hidden = (panel as HTMLElement).dataset.api !== name;
    for (const tab of tabs.children) tab.setAttribute('aria-selected', String((tab as HTMLElement).dataset.tab === name));
  };
  window.addEventListener('hashchange', select);
  select();
  root.replaceChildren(...(signsTokens ? [] : [pastedTokenBar()]), tabs, panels);
  root.dataset.ready = 'true';
}

void main();
