// The spec check: every interaction of a pact against the specs, through the generated catalogues.
// - HTTP: the operation is found by method and path template; the response status must be documented
//   and the body the consumer expects must fit it; for a 2xx the request's path, query and body must
//   validate in full (a 4xx interaction sends what the spec refuses on purpose).
// - Messages: the `{api, message}` metadata names a message Switchyard sends; the content the consumer
//   expects must fit it, and a socket.io message's `event` metadata must be the message's name.
// "Fit": what a consumer expects is checked with relaxed validators (relaxed.ts): it may leave out
// fields, but every field it expects must be in the spec (objects are closed) with the right type.
// What is checked is the example a pact carries for each matcher.
import type { ValidateFunction } from 'ajv';
import { catalogues as generated, type ApiCatalogue, type MessageEntry, type OperationEntry } from '../../generated';
import { describeErrors } from '../validation/describe-errors';
import { isHttp, isMessage, nameOf, type Body, type HttpInteraction, type Interaction, type MessageInteraction, type PactFile } from './pact-file';
import { relaxedValidators, type Relaxed } from './relaxed';

type Catalogues = Readonly<Record<string, ApiCatalogue>>;

export interface Specs {
  catalogues: Catalogues;
  relaxed: Relaxed;
}

export const loadSpecs = (): Specs => ({ catalogues: generated, relaxed: relaxedValidators() });

/** The problems of one interaction; empty when it fits the specs. */
export const checkInteraction = (i: Interaction, specs: Specs): string[] =>
  isHttp(i) ? checkHttp(i, specs) : isMessage(i) ? checkMessage(i, specs) : [`interaction type ${i.type} is not checked`];

/** One line per problem, each naming its interaction; empty when the pact fits the specs. */
export function checkPact(pact: PactFile, specs: Specs): string[] {
  return pact.interactions.flatMap((i) => checkInteraction(i, specs).map((p) => `${nameOf(pact, i)}: ${p}`));
}

// --- HTTP ---------------------------------------------------------------------------------------

/** The operation for a method and a concrete path, with the path's parameters. */
export function findOperation(catalogues: Catalogues, method: string, path: string): { api: string; op: OperationEntry; params: Record<string, string> } | undefined {
  for (const [api, catalogue] of Object.entries(catalogues)) {
    for (const op of Object.values(catalogue.operations)) {
      if (op.method !== method.toUpperCase()) continue;
      const names: string[] = [];
      const pattern = op.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_m, name: string) => (names.push(name), '([^/]+)'));
      const match = new RegExp(`^${pattern}$`).exec(path);
      if (!match) continue;
      try {
        return { api, op, params: Object.fromEntries(names.map((n, k) => [n, decodeURIComponent(match[k + 1])])) };
      } catch {
        continue; // not valid percent-encoding: no operation takes it (the check says so; no URIError)
      }
    }
  }
  return undefined;
}

function checkHttp(i: HttpInteraction, { catalogues, relaxed }: Specs): string[] {
  const { request, response } = i;
  const found = findOperation(catalogues, request.method, request.path);
  if (!found) return [`no operation ${request.method} ${request.path} in the specs`];
  const { api, op, params } = found;
  const status = String(response.status);
  const problems: string[] = [];

  const documented = op.responses[status];
  if (!documented) problems.push(`${op.operationId} documents no ${status} response`);
  else {
    // The relaxed validators of the documented content types of this status.
    const fits = Object.fromEntries(Object.keys(documented).map((type) => [type, relaxed.response(api, op.operationId, status, type)!]));
    problems.push(...checkBody(`response ${status} body`, response.body, response.headers, fits));
  }

  if (response.status >= 200 && response.status < 300) {
    if (op.params) problems.push(...validate('path', op.params, { ...params }));
    const query = Object.fromEntries(Object.entries(request.query ?? {}).map(([k, v]) => [k, v[0]]));
    if (op.query) problems.push(...validate('query', op.query, query));
    else if (Object.keys(query).length > 0) problems.push(`${op.operationId} takes no query parameters`);
    if (request.body?.content === undefined && Object.keys(op.body).length > 0) problems.push(`${op.operationId} needs a request body`);
    else problems.push(...checkBody('request body', request.body, request.headers, op.body));
  }
  return problems;
}

/** A body against the validators of the documented content types. */
function checkBody(what: string, body: Body | undefined, headers: Record<string, string[]> | undefined, validators: Readonly<Record<string, ValidateFunction>>): string[] {
  if (body?.content === undefined) return []; // the consumer relies on no body
  const type = mediaType(body.contentType ?? header(headers, 'content-type') ?? 'application/json');
  const validator = validators[type];
  if (!validator) return [`${what}: the spec documents no ${type} body (only ${Object.keys(validators).join(', ') || 'none'})`];
  const content = type === 'application/x-www-form-urlencoded' ? Object.fromEntries(new URLSearchParams(String(body.content))) : body.content;
  return validate(what, validator, content);
}

const mediaType = (contentType: string): string => contentType.split(';')[0].trim().toLowerCase();

function header(headers: Record<string, string[]> | undefined, name: string): string | undefined {
  const key = Object.keys(headers ?? {}).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers![key][0];
}

function validate(what: string, validator: ValidateFunction, value: unknown): string[] {
  return validator(value) ? [] : describeErrors(validator.errors).map((e) => `${what}: ${e}`);
}

// --- messages -----------------------------------------------------------------------------------

function checkMessage(i: MessageInteraction, { catalogues, relaxed }: Specs): string[] {
  const { api, message, event } = i.metadata ?? {};
  // Own properties only: metadata naming `toString` or `constructor` is no API or message.
  const catalogue = typeof api === 'string' && Object.hasOwn(catalogues, api) ? catalogues[api] : undefined;
  const entry: MessageEntry | undefined = catalogue && typeof message === 'string' && Object.hasOwn(catalogue.messages, message) ? catalogue.messages[message] : undefined;
  if (!entry) return [`metadata {api: ${JSON.stringify(api)}, message: ${JSON.stringify(message)}} names no message of the specs`];
  if (entry.direction !== 'send') return [`${api} ${message} is not a message Switchyard sends`];
  const problems = validate('content', relaxed.message(String(api), entry.id)!, i.contents.content);
  if (entry.protocol === 'socket.io' && !(typeof event === 'string' && nameMatches(entry.name, event))) {
    problems.push(`metadata event ${JSON.stringify(event)} is not the socket.io event ${JSON.stringify(entry.name)}`);
  }
  return problems;
}

/** `socket-api-error-{transaction}` names `socket-api-error-auth-1`. */
function nameMatches(template: string, name: string): boolean {
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '.+');
  return new RegExp(`^${pattern}$`).test(name);
}
