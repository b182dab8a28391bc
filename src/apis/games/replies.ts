// Reply frames of the games stream (channels-api shape): `{errors, data, action, response_status,
// request_id}` inside `{stream: "games", payload}`.
export const STREAM = 'games';

export const ERRORS = {
  invalidAction: 'Invalid Action',
  permissionDenied: 'Permission Denied',
  notFound: 'Not found.',
  notWaiting: 'Game state is not "players_waiting".',
  /** 503: the store or bus is down (an outage, not the request's fault). */
  unavailable: 'Service unavailable: try again later',
} as const;

export interface ReplyPayload {
  errors: string[];
  data: unknown;
  action: string | null;
  response_status: number;
  request_id: string | null;
}

export function reply(action: string | null, requestId: string | null, status: number, data: unknown, errors: string[] = []) {
  const payload: ReplyPayload = { errors, data, action, response_status: status, request_id: requestId };
  return { stream: STREAM, payload };
}

export class GamesError extends Error {
  constructor(readonly status: 400 | 401 | 404 | 503, message: string) {
    super(message);
  }
}
