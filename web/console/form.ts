// A publish form built from a message's data schema: one input per property of an object (text,
// number, checkbox, select), JSON for anything nested, prefilled from the spec's example; the
// gateway's 422 errors are shown next to the fields they name.
import type { Problem } from './api';
import { h } from './dom';
import type { Schema } from './spec';

interface Field {
  name: string;
  read(): { present: boolean; value?: unknown; error?: string };
  error: HTMLElement;
}

export interface SchemaForm {
  element: HTMLElement;
  /** The value, or the first field that could not be read (malformed JSON). */
  read(): { value?: unknown; error?: string };
  showErrors(errors: Problem[]): void;
}

function typeOf(schema: Schema): string | undefined {
  return Array.isArray(schema.type) ? (schema.type as string[]).find((t) => t !== 'null') : (schema.type as string | undefined);
}

function jsonField(name: string, label: string, value: unknown): Field {
  const input = h('textarea', { name, rows: '4', spellcheck: false });
  input.value = value === undefined ? '' : JSON.stringify(value, null, 2);
  const error = h('span', { class: 'sy-field-error', 'data-field': name });
  const field: Field = {
    name,
    error,
    read: () => {
      if (input.value.trim() === '') return { present: false };
      try {
        return { present: true, value: JSON.parse(input.value) };
      } catch {
        return { present: true, error: `${label}: not JSON` };
      }
    },
  };
  return Object.assign(field, { row: h('label', { class: 'sy-field' }, h('span', {}, label), input, error) });
}

function scalarField(name: string, schema: Schema, value: unknown, required: boolean): Field {
  const type = typeOf(schema);
  const label = `${name}${required ? ' *' : ''}`;
  const error = h('span', { class: 'sy-field-error', 'data-field': name });
  let input: HTMLInputElement | HTMLSelectElement;
  let read: Field['read'];
  if (Array.isArray(schema.enum)) {
    const select = h('select', { name }, h('option', { value: '' }, '(none)'), ...(schema.enum as unknown[]).map((v) => h('option', { value: JSON.stringify(v) }, String(v))));
    select.value = value === undefined ? '' : JSON.stringify(value);
    input = select;
    read = () => (select.value === '' ? { present: false } : { present: true, value: JSON.parse(select.value) });
  } else if (type === 'boolean') {
    const box = h('input', { name, type: 'checkbox' });
    box.checked = value === true;
    input = box;
    read = () => ({ present: true, value: box.checked });
  } else {
    const numeric = type === 'integer' || type === 'number';
    const text = h('input', { name, type: 'text', inputmode: numeric ? 'decimal' : undefined });
    text.value = value === undefined || value === null ? '' : String(value);
    input = text;
    // A number field keeps what it cannot parse as text, so that the gateway says what is wrong.
    read = () => (text.value === '' ? { present: false } : { present: true, value: numeric && text.value.trim() !== '' && !Number.isNaN(Number(text.value)) ? Number(text.value) : text.value });
  }
  const field: Field = { name, error, read };
  return Object.assign(field, { row: h('label', { class: 'sy-field' }, h('span', {}, label), input, error) });
}

export function schemaForm(schema: Schema, example: unknown): SchemaForm {
  const general = h('ul', { class: 'sy-form-errors' });
  const properties = schema.properties as Record<string, Schema> | undefined;
  let fields: Array<Field & { row?: HTMLElement }>;
  const objectForm = typeOf(schema) === 'object' && properties !== undefined;
  if (objectForm) {
    const required = new Set((schema.required as string[] | undefined) ?? []);
    const values = (typeof example === 'object' && example !== null ? example : {}) as Record<string, unknown>;
    fields = Object.entries(properties!).map(([name, property]) => {
      const scalar = ['string', 'integer', 'number', 'boolean'].includes(typeOf(property) ?? '') || Array.isArray(property.enum);
      return scalar ? scalarField(name, property, values[name], required.has(name)) : jsonField(name, `${name}${required.has(name) ? ' *' : ''} (JSON)`, values[name]);
    });
  } else {
    fields = [jsonField('data', 'data (JSON)', example)];
  }
  const element = h('div', { class: 'sy-form-fields' }, general, ...fields.map((f) => (f as { row?: HTMLElement }).row));
  return {
    element,
    read() {
      if (!objectForm) {
        const r = fields[0].read();
        return r.error ? { error: r.error } : { value: r.value };
      }
      const value: Record<string, unknown> = {};
      for (const field of fields) {
        const r = field.read();
        if (r.error) return { error: r.error };
        if (r.present) value[field.name] = r.value;
      }
      return { value };
    },
    showErrors(errors) {
      general.replaceChildren();
      for (const field of fields) field.error.textContent = '';
      for (const problem of errors) {
        // `/data/size` -> size; `/data` missing "name" -> name; anything else in the list above.
        const path = problem.instancePath.replace(/^\/data/, '').split('/').filter(Boolean);
        const name = objectForm ? (path[0] ?? (problem.keyword === 'required' ? String(problem.params.missingProperty) : undefined)) : 'data';
        const field = fields.find((f) => f.name === name);
        if (field) field.error.textContent = [field.error.textContent, problem.message].filter(Boolean).join('; ');
        else general.append(h('li', {}, problem.message));
      }
    },
  };
}
