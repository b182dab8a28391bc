// The one HTTP helper the typed clients share: builds the URL, encodes a JSON or form body, and
// hands back the status with the parsed JSON body. Each client decides what a status means.
export interface ClientOptions {
  /** Where Switchyard listens, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** Injectable for tests and for runtimes without a global fetch. */
  fetch?: typeof fetch;
}

export interface Call {
  method: 'GET' | 'POST';
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
}

export interface Answer {
  status: number;
  /** The parsed JSON body; undefined when the body is not JSON. */
  body: unknown;
}

export async function send(options: ClientOptions, path: string, init: Call): Promise<Answer> {
  const url = new URL(path, options.baseUrl);
  for (const [name, value] of Object.entries(init.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
  const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
  let body: string | undefined;
  if (init.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  } else if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  const res = await (options.fetch ?? fetch)(url, { method: init.method, headers, body });
  const text = await res.text();
  return { status: res.status, body: parseJson(text) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A wire value that does not have the shape the client relies on. */
export class ProtocolError extends Error {
  constructor(what: string, readonly value: unknown) {
    super(`unexpected ${what}: ${JSON.stringify(value)?.slice(0, 200)}`);
    this.name = 'ProtocolError';
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `value` as an object whose listed fields have the listed `typeof`s, or a ProtocolError. */
export function expectShape<T>(what: string, value: unknown, fields: Readonly<Record<string, string>>): T {
  if (!isObject(value)) throw new ProtocolError(what, value);
  for (const [name, type] of Object.entries(fields)) {
    const actual = value[name] === null ? 'null' : Array.isArray(value[name]) ? 'array' : typeof value[name];
    if (!type.split('|').includes(actual)) throw new ProtocolError(`${what} (${name} is ${actual}, not ${type})`, value);
  }
  return value as T;
}
