// The client actions of a spec socket API (generated/socket-endpoints.ts `actions`): a frame is
// matched to its operation by the `const` fields of the request messages, validated, and answered
// by the API's handler of that operationId (src/apis/<api>/handlers.ts) or, when the request
// message carries x-switchyard `forward`, by its back-end through the ActionProxy. The reply is
// validated before it is sent. Anything that fails is answered with the channel's error message
// (x-switchyard `error`): its consts, the request's correlation id (null when it could not be
// read), `status` and `errors` (examples/todos/README.md).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { ApiCatalogue, MessageEntry } from '../../generated';
import type { SocketEndpoint } from '../../generated/socket-endpoints';
import type { Claims } from '../auth/authenticator';
import type { GatewayContext } from './context';
import { isUnavailable } from '../ports/availability';
import type { ApiName } from '../ports/bus';
import { ActionProxy } from '../envelopes/action-proxy';
import { checkEnvelope } from '../envelopes/check-envelope';
import { getAt, setAt } from '../envelopes/frame';
import { sendable } from '../envelopes/sendable';
import { describeErrors } from '../validation/describe-errors';
import { deeperThan, tooDeep } from '../validation/json-depth';

/** Thrown by a handler: the request is answered with the error message, this status and these errors. */
export class ActionError extends Error {
  readonly errors: unknown[];
  constructor(
    readonly status: number,
    errors: string | unknown[],
  ) {
    super(typeof errors === 'string' ? errors : JSON.stringify(errors));
    this.errors = typeof errors === 'string' ? [errors] : errors;
  }
}

/** What a handler is given besides the request. `P`: the API's generated `PublishData`. */
export interface ActionContext<P = Record<string, unknown>> {
  /** The caller's verified token claims. */
  readonly user: Claims;
  /** The socket's audience value (the claim or query parameter its channel groups by). */
  readonly audience: string;
  /**
   * Publishes a message of this API (checked against the spec) to `to`, by default the caller's
   * own audience. The reply is sent once this node has delivered what the handler published.
   */
  publish<N extends keyof P & string>(message: N, data: P[N], to?: Readonly<Record<string, string | number>>): Promise<void>;
}

type Handler = (request: unknown, context: ActionContext) => unknown;
export type Handlers = Readonly<Record<string, Handler>>;

/** The caller of a request: its claims and audience value, once its socket is admitted. */
export interface Caller {
  claims: Claims;
  audience: string;
}

interface Action {
  operationId: string;
  request: MessageEntry;
  reply: MessageEntry;
  handler?: Handler;
}

const handlersFile = (api: string) => `src/apis/${api}/handlers.ts`;

/**
 * The handlers the spec's actions need (every one it does not forward), from `<dir>/<api>/handlers`
 * (`export const handlers = {<operationId>: ...}`). A missing file or handler, or one for an
 * operation the spec does not have, stops the gateway at start: a typo must not serve 404s.
 */
export function loadHandlers(api: string, endpoint: SocketEndpoint, catalogue: ApiCatalogue, dir = __dirname): Handlers {
  const needed = Object.entries(endpoint.actions).filter(([, a]) => !catalogue.messages[a.request]?.forward).map(([op]) => op);
  if (!needed.length) return {};
  const path = join(dir, api, 'handlers');
  let loaded: { handlers?: unknown };
  try {
    loaded = require(path) as { handlers?: unknown };
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes(path);
    if (!missing) throw err;
    throw new Error(`${api}: the spec's actions ${needed.join(', ')} need handlers: write ${handlersFile(api)} exporting \`handlers\``);
  }
  const handlers = (loaded.handlers ?? {}) as Record<string, unknown>;
  const absent = needed.filter((op) => typeof handlers[op] !== 'function');
  const unknown = Object.keys(handlers).filter((op) => !needed.includes(op));
  if (absent.length) throw new Error(`${api}: ${handlersFile(api)} has no handler for ${absent.join(', ')}`);
  if (unknown.length) throw new Error(`${api}: ${handlersFile(api)} has handlers for ${unknown.join(', ')}, which the spec does not serve by handler (unknown or forwarded)`);
  return handlers as Handlers;
}

export class SpecActions {
  private readonly actions: Action[];
  private readonly error: MessageEntry;
  private readonly proxy: ActionProxy;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly api: ApiName,
    private readonly endpoint: SocketEndpoint,
    handlers: Handlers,
  ) {
    const messages = ctx.catalogues[api].messages as ApiCatalogue['messages'];
    this.actions = Object.entries(endpoint.actions).map(([operationId, a]) => ({
      operationId,
      request: messages[a.request],
      reply: messages[a.reply],
      handler: handlers[operationId],
    }));
    this.error = messages[endpoint.error!];
    this.proxy = new ActionProxy(ctx.config.actionBackends, ctx.config.actionTimeoutMs);
  }

  /** The back-ends the spec forwards to that ACTION_BACKENDS does not name (their actions get 503). */
  unconfigured(): string[] {
    return [...new Set(this.actions.flatMap((a) => (a.request.forward && !this.proxy.has(a.request.forward.backend) ? [a.request.forward.backend] : [])))];
  }

  /**
   * The frame that answers one client frame (`text` undefined: a binary frame): always one, unless
   * not even an error frame the spec accepts can be built (undefined: nothing is sent).
   */
  async answer(text: string | undefined, caller: Caller): Promise<unknown> {
    let correlation: string | number | null = null;
    try {
      const read = this.read(text);
      if ('kind' in read) throw this.badInput(read.kind, read.message);
      const { frame } = read;
      correlation = this.correlationOf(frame);
      const action = this.actions.find((a) => Object.entries(a.request.consts).every(([at, v]) => at !== '' && getAt(frame, at) === v));
      if (!action) throw this.badInput('unknown_action', `Unknown request: expected one of ${this.actions.map((a) => a.operationId).join(', ')}`);
      if (!action.request.validate(frame)) throw this.badInput('invalid_request', describeErrors(action.request.validate.errors));
      return action.handler ? await this.handled(action, frame, caller, correlation) : await this.forwarded(action, frame, caller, correlation);
    } catch (err) {
      if (err instanceof ActionError) return this.errorFrame(correlation, err.status, err.errors);
      if (isUnavailable(err)) return this.errorFrame(correlation, 503, ['Service unavailable: try again later']);
      this.ctx.log.error({ err, api: this.api }, 'a socket action failed');
      return this.errorFrame(correlation, 500, ['Internal error']);
    }
  }

  /** The error frame for a frame the gateway does not serve (over the rate), with its correlation id when it has one (undefined: as answer's). */
  refusal(text: string | undefined, status: number, message: string): unknown {
    const read = this.read(text);
    return this.errorFrame('frame' in read ? this.correlationOf(read.frame) : null, status, [message]);
  }

  /** The parsed frame, or why there is none (the depth is checked before anything walks it). */
  private read(text: string | undefined): { frame: unknown } | { kind: string; message: string } {
    if (text === undefined) return { kind: 'binary_frame', message: 'Send JSON text frames' };
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      return { kind: 'invalid_json', message: 'The frame is not JSON' };
    }
    const max = this.ctx.config.jsonMaxDepth;
    return deeperThan(frame, max) ? { kind: 'too_deep', message: tooDeep(max) } : { frame };
  }

  private correlationOf(frame: unknown): string | number | null {
    const id = this.endpoint.correlation === null ? undefined : getAt(frame, this.endpoint.correlation);
    return typeof id === 'string' || typeof id === 'number' ? id : null;
  }

  private badInput(kind: string, errors: string | string[]): ActionError {
    this.ctx.metrics.badInputTotal.inc({ api: this.api, kind });
    return new ActionError(400, errors);
  }

  private async handled(action: Action, request: unknown, caller: Caller, correlation: string | number | null): Promise<unknown> {
    let published = false;
    const context: ActionContext = {
      user: caller.claims,
      audience: caller.audience,
      publish: async (message, data, to = { [this.endpoint.audience]: caller.audience }) => {
        const check = checkEnvelope(this.ctx.catalogues[this.api], message, to, data);
        if (!check.ok) throw new Error(`${action.operationId}: publishing "${message}": ${check.error}${check.errors ? `: ${check.errors.map((e) => e.message).join('; ')}` : ''}`);
        await this.ctx.bus.publish(this.api, { id: randomUUID(), message, to: check.to, data });
        this.ctx.metrics.eventsPublishedTotal.inc({ api: this.api, message });
        published = true;
      },
    };
    const result = await action.handler!(request, context);
    const reply = this.frame(action.reply, result, correlation);
    if (!sendable(this.ctx, this.api, action.reply, reply, { action: action.operationId })) {
      throw new ActionError(500, `${action.operationId}: the handler's reply breaks the spec`);
    }
    if (published) await this.settled();
    return reply;
  }

  /** Relayed as games relays its forwarded requests (src/apis/games/socket.ts): after the broadcasts published before the answer. */
  private async forwarded(action: Action, request: unknown, caller: Caller, correlation: string | number | null): Promise<unknown> {
    const rule = action.request.forward!;
    const { answer, outcome } = await this.proxy.forward(rule.backend, {
      api: this.api, action: action.operationId, request_id: correlation === null ? null : String(correlation), payload: request, user: caller.claims, snapshot: null,
    });
    this.ctx.metrics.forwardedRequestsTotal.inc({ api: this.api, action: action.operationId, outcome });
    if (outcome !== 'answered') this.ctx.log.warn({ api: this.api, action: action.operationId, backend: rule.backend, outcome }, 'a forwarded request failed');
    await this.settled();
    if (answer.status !== 200) return this.errorFrame(correlation, answer.status, answer.errors);
    const reply = this.frame(action.reply, answer.data, correlation);
    if (!sendable(this.ctx, this.api, action.reply, reply, { action: action.operationId, backend: rule.backend })) {
      this.ctx.metrics.forwardedRequestsTotal.inc({ api: this.api, action: action.operationId, outcome: 'bad_answer' });
      throw new ActionError(502, `${action.operationId}: the back-end's answer is not a valid reply`);
    }
    return reply;
  }

  /**
   * The error frame, held to the spec like every frame: a correlation id its schema cannot carry is
   * left out (null), and errors from a back-end it does not allow become a 502. The generator checked
   * the error message's shape (status, errors): only a stricter schema refuses the last try, and then
   * nothing is sent (undefined).
   */
  private errorFrame(correlation: string | number | null, status: number, errors: unknown[]): unknown {
    const replaced = ['The back-end answered errors the spec does not allow'];
    const tries: [string | number | null, number, unknown[]][] = [[correlation, status, errors], [null, status, errors], [correlation, 502, replaced], [null, 502, replaced]];
    for (const [n, [id, code, list]] of tries.entries()) {
      const frame = this.frame(this.error, { status: code, errors: list }, id);
      // A try the spec refuses falls through to the next; only the last one's refusal is a fault.
      if (n < tries.length - 1 ? this.error.validate(frame) : sendable(this.ctx, this.api, this.error, frame)) return frame;
    }
    return undefined;
  }

  /** The handler's (or back-end's) fields, then the message's consts and the correlation id. */
  private frame(entry: MessageEntry, fields: unknown, correlation: string | number | null): Record<string, unknown> {
    const frame: Record<string, unknown> = typeof fields === 'object' && fields !== null && !Array.isArray(fields) ? { ...fields } : {};
    for (const [at, value] of Object.entries(entry.consts)) if (at !== '') setAt(frame, at, value);
    if (this.endpoint.correlation !== null) setAt(frame, this.endpoint.correlation, correlation);
    return frame;
  }

  /** This node has delivered what was published so far, or ACTION_TIMEOUT_MS passed (a broker outage delays a reply, never withholds it). */
  private async settled(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.ctx.config.actionTimeoutMs)));
    try {
      await Promise.race([this.ctx.bus.settled(this.api), bound]);
    } catch (err) {
      this.ctx.log.warn({ err, api: this.api }, 'cannot tell whether earlier broadcasts were delivered; replying anyway');
    } finally {
      clearTimeout(timer);
    }
  }
}
