// Calls to the gateway from the console: its own /console/api (with the operator token when the
// gateway asks for one) and the public APIs the live clients use.

const TOKEN_KEY = 'switchyard-console-token';

export function operatorToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setOperatorToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export interface Answer<T = unknown> {
  status: number;
  body: T;
}

/** JSON in, JSON out; never throws for an HTTP status, only for a network failure. */
export async function call<T = unknown>(path: string, init: { method?: string; body?: unknown; bearer?: string | null } = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  const bearer = init.bearer === undefined ? operatorToken() : init.bearer;
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: body as T };
}

export interface MessageInfo {
  id: string;
  name: string;
  direction: 'send' | 'receive';
  protocol: string;
  address: string | null;
  audience: string[] | null;
  dataPointer: string | null;
}

export interface ApiInfo {
  api: string;
  asyncapi?: string;
  openapi?: string;
  messages: MessageInfo[];
}

export interface Problem {
  instancePath: string;
  message: string;
  keyword: string;
  params: Record<string, unknown>;
}

export interface Verdict {
  message: string | null;
  valid: boolean;
  errors: Problem[];
}

/** Where the user's pasted token is read, when the gateway cannot mint one (it verifies with JWKS). */
let pasted: (() => string) | undefined;

export function usePastedToken(read: () => string): void {
  pasted = read;
}

/**
 * A token for the live clients: signed by the gateway (dev secrets), or the one the user pasted when
 * the gateway checks tokens with JWKS; then `sub` and `claims` are the pasted token's own.
 */
export async function mintToken(sub: string, claims: Record<string, unknown>): Promise<string> {
  if (pasted) {
    const token = pasted().trim();
    if (token === '') throw new Error('paste a user token first (the gateway verifies tokens with JWKS and cannot mint one)');
    return token;
  }
  const answer = await call<{ token?: string; error?: string }>('/console/api/token', { body: { sub, claims } });
  if (answer.status !== 200 || !answer.body.token) throw new Error(answer.body.error ?? `token: ${answer.status}`);
  return answer.body.token;
}

/** Which spec message a frame is and whether it is valid; `message` names it (socket.io events). */
export async function validateFrame(api: string, frame: unknown, direction: 'send' | 'receive' = 'send', message?: string): Promise<Verdict> {
  return (await call<Verdict>(`/console/api/validate/${api}`, { body: { frame, direction, message } })).body;
}
