// Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): a client that sends one may repeat a
// request that got no 2xx answer (a 503 during an outage, a timeout, a dropped connection) and the
// repeat does nothing the first attempt already did. The record id is derived from the key, and
// everything durable a record causes (a stored event, a queued message, a webhook) is written once
// per record id, so the repeat finds the first attempt's work instead of doing it again.
import { createHash } from 'node:crypto';
import type { ParameterizedContext } from 'koa';
import { HttpError } from './errors';

/** The draft's quoted sf-string (without escapes), or bare visible ASCII without quotes (the common form). */
const KEY = /^(?:"([\x20\x21\x23-\x5b\x5d-\x7e]{1,255})"|([\x21\x23-\x7e]{1,255}))$/;

/** The request's Idempotency-Key, if it sent one; 400 when it is malformed. */
export function idempotencyKey(k: ParameterizedContext): string | undefined {
  const value = k.get('idempotency-key');
  if (value === '') return undefined;
  const match = KEY.exec(value);
  if (!match) throw new HttpError(400, 'Idempotency-Key must be 1 to 255 visible ASCII characters');
  return match[1] ?? match[2];
}

/**
 * A UUID-shaped record id, the same for every repeat of a key within its scope (who sent it, and
 * where to), and different between scopes: two publishers' keys never meet.
 */
export function recordIdFor(key: string, ...scope: string[]): string {
  const hex = createHash('sha256').update(JSON.stringify([...scope, key])).digest('hex');
  // RFC 9562 version 8 (custom) and variant bits, so it reads as the UUID it stands in for.
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
