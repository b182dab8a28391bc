// The one place that decides whether a publish envelope is acceptable for an API: the message is a
// publishable one in the spec, `to` names exactly one of its audience keys, `data` validates.
// Used by the HTTP publish API and by bus consumers (a bad Kafka record goes to the DLQ).
import type { ApiCatalogue, MessageEntry } from '../../generated';
import type { Audience } from '../ports/bus';
import { problems, type ValidationProblem } from '../validation/describe-errors';

export interface AcceptedEnvelope {
  entry: MessageEntry;
  /** The audience key used (e.g. `store_id`) and its value as a string: keys match as strings. */
  key: string;
  value: string;
  /** `to` as checked: that one key with its value as sent. */
  to: Audience;
}

export type EnvelopeCheck =
  | ({ ok: true } & AcceptedEnvelope)
  | { ok: false; status: 404 | 422; error: string; errors?: ValidationProblem[] };

/** Publishable messages of a catalogue by their name, built once per catalogue. */
const byName = new WeakMap<ApiCatalogue, Map<string, MessageEntry>>();

export function publishable(catalogue: ApiCatalogue): Map<string, MessageEntry> {
  let map = byName.get(catalogue);
  if (!map) {
    map = new Map(Object.values(catalogue.messages).filter((m) => m.publish).map((m) => [m.name, m]));
    byName.set(catalogue, map);
  }
  return map;
}

/** `dataChecked`: this `data` already passed this catalogue's check (ports/bus.ts markChecked). */
export function checkEnvelope(catalogue: ApiCatalogue, message: string, to: Record<string, unknown>, data: unknown, dataChecked = false): EnvelopeCheck {
  const entry = publishable(catalogue).get(message);
  if (!entry?.publish) return { ok: false, status: 404, error: `unknown message "${message}" for api ${catalogue.api}` };

  const allowed = entry.publish.audience;
  const keys = Object.keys(to);
  const audienceProblem = (msg: string): EnvelopeCheck => ({
    ok: false,
    status: 422,
    error: msg,
    errors: [{ instancePath: '/to', message: `/to: ${msg}`, keyword: 'audience', params: { allowed } }],
  });
  if (keys.length !== 1 || !allowed.includes(keys[0])) {
    return audienceProblem(`"to" must name exactly one of ${allowed.map((k) => `"${k}"`).join(', ')} for ${message}`);
  }
  const raw = to[keys[0]];
  if ((typeof raw !== 'string' && typeof raw !== 'number') || String(raw) === '') {
    return audienceProblem(`"to.${keys[0]}" must be a non-empty string or a number`);
  }
  if (!dataChecked && !entry.publish.validateData(data)) {
    const errors = problems(entry.publish.validateData.errors).map((p) => ({
      ...p,
      instancePath: `/data${p.instancePath}`,
      message: `/data${p.message.startsWith('(root)') ? p.message.slice('(root)'.length) : p.message}`,
    }));
    return { ok: false, status: 422, error: `data does not match the spec of ${message}`, errors };
  }
  return { ok: true, entry, key: keys[0], value: String(raw), to: { [keys[0]]: raw } };
}
