// The original's error answers (ORIGINALS.md, events): restify's `{code, message}` body, a 401 for
// any missing or wrong secret, and one 400 message per field, checked in a fixed order.
import type { ErrorObject } from 'ajv';
import type { ErrorFormat } from '../../http/errors';
import { HttpError } from '../../http/errors';

/** restify's error code for each status the events API answers. */
const CODES: Readonly<Record<number, string>> = {
  400: 'InvalidContent',
  401: 'InvalidCredentialsError',
  404: 'ResourceNotFound',
  405: 'MethodNotAllowed',
  413: 'PayloadTooLarge',
  500: 'InternalServer',
  501: 'NotImplemented',
  503: 'ServiceUnavailable',
};

export const eventsError: ErrorFormat = (status, message) => ({ code: CODES[status] ?? 'InternalServer', message });

export const invalidCredentials = (): HttpError => new HttpError(401, 'Invalid credentials');

/** The original's 400 message per field; the order of the keys is the order it checks them in. */
const FIELD_MESSAGES = {
  clientId: 'Invalid Client ID',
  channel: 'Invalid Channel',
  from: 'Invalid from',
  type: 'Invalid type',
  data: 'Invalid data',
} as const;

type Field = keyof typeof FIELD_MESSAGES;

/**
 * The 400 for a request the generated validator refused: the message of the first field, in the
 * original's order, that any of the validator's errors names.
 */
export function invalidContent(errors: readonly ErrorObject[] | null | undefined): HttpError {
  const named = new Set((errors ?? []).map(fieldOf));
  const first = (Object.keys(FIELD_MESSAGES) as Field[]).find((f) => named.has(f));
  return new HttpError(400, first ? FIELD_MESSAGES[first] : 'Invalid content');
}

/** The top-level property an ajv error is about (`required` names it in its params). */
function fieldOf(error: ErrorObject): string {
  if (error.keyword === 'required') return String((error.params as { missingProperty?: unknown }).missingProperty);
  return error.instancePath.split('/')[1] ?? '';
}
