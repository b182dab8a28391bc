// The HTTP action proxy: a client request a spec marks as forwarded (x-switchyard `forward`, see
// specs/README.md) is POSTed to its back-end, and the back-end's `{response_status, errors, data}`
// becomes the reply. Whatever goes wrong on the way is turned into an answer too (503, 504, 502),
// so the client always gets exactly one reply. The back-end URLs are operator configuration
// (ACTION_BACKENDS), trusted like the brokers, so no egress address policy applies.

/** What the back-end receives (JSON body of the POST). */
export interface ForwardedAction {
  api: string;
  action: string;
  request_id: string | null;
  /** The request's payload as the client sent it. */
  payload: unknown;
  /** The caller's verified token claims, so the back-end can check ownership. */
  user: Record<string, unknown>;
  /** The snapshot the gateway holds for the request's key (x-switchyard `snapshot`); null: none. */
  snapshot: unknown;
}

/** The back-end's answer, or the gateway's stand-in when there was none. */
export interface ActionAnswer {
  status: number;
  errors: unknown[];
  data: unknown;
}

export type ActionOutcome = 'answered' | 'not_configured' | 'unreachable' | 'timeout' | 'bad_answer';

export interface ActionResult {
  answer: ActionAnswer;
  outcome: ActionOutcome;
}

const failed = (outcome: ActionOutcome, status: number, message: string): ActionResult => ({ outcome, answer: { status, errors: [message], data: null } });

export class ActionProxy {
  constructor(
    private readonly backends: ReadonlyMap<string, string>,
    private readonly timeoutMs: number,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  has(backend: string): boolean {
    return this.backends.has(backend);
  }

  async forward(backend: string, action: ForwardedAction): Promise<ActionResult> {
    const url = this.backends.get(backend);
    if (url === undefined) return failed('not_configured', 503, `No back-end is configured for "${action.action}" (ACTION_BACKENDS has no "${backend}")`);
    let response: Response;
    let body: unknown;
    // One signal bounds the whole exchange, the body included: a back-end that sends headers and
    // then stalls is as late as one that never answers.
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      response = await this.fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(action),
        signal,
      });
      const text = await response.text();
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    } catch (err) {
      if (signal.aborted) {
        return failed('timeout', 504, `${label(backend)} back-end did not answer within ${this.timeoutMs} ms`);
      }
      return failed('unreachable', 503, `${label(backend)} back-end is unavailable; retry later`);
    }
    if (!response.ok) return failed('bad_answer', 502, `${label(backend)} back-end answered HTTP ${response.status}`);
    const answer = parseAnswer(body);
    if (!answer) return failed('bad_answer', 502, `${label(backend)} back-end answered something other than {response_status, errors, data}`);
    return { outcome: 'answered', answer };
  }
}

/** `games` -> `Games`: how the back-end is named in the messages a client reads. */
function label(backend: string): string {
  return backend.charAt(0).toUpperCase() + backend.slice(1);
}

function parseAnswer(body: unknown): ActionAnswer | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { response_status: status, errors, data } = body as Record<string, unknown>;
  if (!Number.isInteger(status) || (status as number) < 200 || (status as number) > 599) return undefined;
  if (errors !== undefined && !Array.isArray(errors)) return undefined;
  return { status: status as number, errors: errors ?? [], data: data ?? null };
}
