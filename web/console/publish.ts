// The publish panel of one API: any server-to-client message, its audience and a form built from
// its data schema, prefilled from the spec's example; sent through /console/api/publish, which
// checks it as POST /publish/v1/{api} does, and answers 422 with errors shown at their fields.
import { call, type ApiInfo, type Problem } from './api';
import { h } from './dom';
import { schemaForm, type SchemaForm } from './form';
import { loadSpec, messageSpec } from './spec';

export function publishPanel(info: ApiInfo): HTMLElement {
  const publishable = info.messages.filter((m) => m.audience !== null);
  const select = h('select', { name: 'message' }, ...publishable.map((m) => h('option', { value: m.id }, m.name)));
  const audienceKey = h('select', { name: 'audience-key' });
  const audienceValue = h('input', { name: 'audience-value', type: 'text', value: '1' });
  const fields = h('div', { class: 'sy-form-slot' });
  const result = h('p', { class: 'sy-result', role: 'status' });
  const submit = h('button', { type: 'submit' }, 'Publish');
  const form = h(
    'form',
    { class: 'sy-publish-form' },
    h('label', { class: 'sy-field sy-inline' }, h('span', {}, 'message'), select),
    h('label', { class: 'sy-field sy-inline' }, h('span', {}, 'to'), audienceKey, audienceValue),
    h('span', { class: 'sy-field-error', 'data-field': 'to' }),
    fields,
    submit,
    result,
  );
  let current: SchemaForm | undefined;

  const show = async () => {
    const message = publishable.find((m) => m.id === select.value);
    if (!message || !info.asyncapi) return;
    audienceKey.replaceChildren(...(message.audience ?? []).map((k) => h('option', { value: k }, k)));
    const spec = messageSpec(await loadSpec(info.asyncapi), message.id, message.dataPointer);
    current = schemaForm(spec.dataSchema, spec.example);
    fields.replaceChildren(current.element);
    result.textContent = '';
    form.dataset.ready = 'true';
  };
  select.onchange = () => void show();

  form.onsubmit = (e) => {
    e.preventDefault();
    const message = publishable.find((m) => m.id === select.value);
    if (!current || !message) return;
    const data = current.read();
    if (data.error !== undefined) {
      result.textContent = data.error;
      return;
    }
    const audience = audienceValue.value.trim();
    const to = { [audienceKey.value]: /^\d+$/.test(audience) ? Number(audience) : audience };
    void call<{ id?: string; error?: string; errors?: Problem[] }>(`/console/api/publish/${info.api}`, { body: { message: message.name, to, data: data.value } }).then((answer) => {
      const toError = form.querySelector<HTMLElement>('[data-field="to"]')!;
      toError.textContent = '';
      result.dataset.status = String(answer.status);
      if (answer.status === 202) {
        current!.showErrors([]);
        result.textContent = `202 published, id ${answer.body.id}`;
        return;
      }
      const errors = answer.body.errors ?? [];
      toError.textContent = errors.filter((p) => p.instancePath === '/to').map((p) => p.message).join('; ');
      current!.showErrors(errors.filter((p) => p.instancePath !== '/to'));
      result.textContent = `${answer.status} ${answer.body.error ?? ''}`;
    });
  };

  void show();
  if (publishable.length === 0) return h('div', { class: 'sy-publish' }, h('h2', {}, 'Publish'), h('p', {}, 'This API has no message to publish.'));
  return h('div', { class: 'sy-publish' }, h('h2', {}, 'Publish'), form);
}
