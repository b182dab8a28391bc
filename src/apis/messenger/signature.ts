// Standard Webhooks signing (https://www.standardwebhooks.com): every delivery carries
// `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256>` of
// `${id}.${timestamp}.${body}`.
//
// The key: per the Standard Webhooks spec a secret is usually given as `whsec_<base64>`; then the
// HMAC key is the base64-decoded part. Any other WEBHOOK_SECRET is used as is, as its UTF-8 bytes
// (what most hand-rolled receivers do with a plain shared secret). A `whsec_` secret whose remainder
// is not valid base64 is refused at start-up rather than silently signing with the wrong key.
import { createHmac } from 'node:crypto';

const WHSEC_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

/** The HMAC key for a configured webhook secret (see the header comment). */
export function signingKey(secret: string): Buffer {
  if (!secret.startsWith(WHSEC_PREFIX)) {
    if (secret === '') throw new Error('the webhook secret is empty');
    return Buffer.from(secret, 'utf8');
  }
  const encoded = secret.slice(WHSEC_PREFIX.length);
  if (encoded === '' || !BASE64.test(encoded)) {
    throw new Error('WEBHOOK_SECRET starts with "whsec_" but the rest is not base64 (Standard Webhooks secret format)');
  }
  return Buffer.from(encoded, 'base64');
}

/** `v1,<base64>`: the Standard Webhooks signature of one attempt. */
export function sign(key: Buffer, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The three Standard Webhooks headers of one attempt (`timestamp` in unix seconds). */
export function webhookHeaders(key: Buffer, id: string, timestamp: number, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': sign(key, id, timestamp, body),
  };
}
