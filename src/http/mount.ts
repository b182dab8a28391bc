// Mounts a REST operation of the generated catalogue on the router: method and path come from the
// spec (written once there), and by default the path parameters, query and JSON body are checked
// with the operation's generated validators before the handler runs.
import type Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import type { OperationEntry } from '../../generated';
import { problems } from '../validation/describe-errors';
import { HttpError } from './errors';

/** What a handler gets once the request passed the operation's validators (coerced to their types). */
export interface OperationInput {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
}

export type OperationHandler = (k: ParameterizedContext, input: OperationInput) => unknown;

export interface MountOptions {
  /**
   * false: the handler checks the request itself, for APIs whose document fixes another order
   * (a secret or token before any parameter, lenient numbers). Default true.
   */
  validate?: boolean;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const;

/** `/events/v1/ping/{token}` -> `/events/v1/ping/:token` (@koa/router's syntax; `{}` means optional there). */
export function routerPath(template: string): string {
  return template.replace(/\{([^}]*)\}/g, (_, name: string) => {
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`path parameter "${name}" of ${template} is not a plain name`);
    return `:${name}`;
  });
}

export function mount(router: Router, op: OperationEntry, handler: OperationHandler, options: MountOptions = {}): void {
  const method = op.method.toLowerCase() as (typeof METHODS)[number];
  if (!METHODS.includes(method)) throw new Error(`${op.operationId}: cannot mount method ${op.method}`);
  const validate = options.validate ?? true;
  router[method](routerPath(op.path), async (k) => {
    const input: OperationInput = { params: { ...k.params }, query: firstValues(k.query), body: k.request.body };
    if (validate) check(op, k, input);
    await handler(k, input);
  });
}

/** Throws 400 (in the API's error format) naming what breaks the spec; coerces params and query in place. */
function check(op: OperationEntry, k: ParameterizedContext, input: OperationInput): void {
  const fail = (what: string, errors: Parameters<typeof problems>[0]) => {
    throw new HttpError(400, `${op.operationId}: invalid ${what}`, problems(errors));
  };
  if (op.params && !op.params(input.params)) fail('path parameters', op.params.errors);
  if (op.query && !op.query(input.query)) fail('query parameters', op.query.errors);
  const contentTypes = Object.keys(op.body);
  if (contentTypes.length === 0) return;
  const type = contentTypes.find((t) => k.is(t));
  if (!type) throw new HttpError(415, `${op.operationId}: send ${contentTypes.join(' or ')}`);
  const validateBody = op.body[type];
  if (!validateBody(input.body)) fail('body', validateBody.errors);
}

/** A repeated query parameter counts by its first value (as the hand-written parsers did). */
function firstValues(query: ParameterizedContext['query']): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).map(([key, value]) => [key, Array.isArray(value) ? value[0] : value]));
}
