// Standard Webhooks signing: the published test vector, the two secret forms, and refusals.
import { createHmac } from 'node:crypto';
import { sign, signingKey, webhookHeaders } from '../src/apis/messenger/signature';

describe('messenger webhook signature', () => {
  it('matches the Standard Webhooks reference vector for a whsec_ secret', () => {
    // The example of the Standard Webhooks specification (and its reference libraries' tests).
    const key = signingKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(sign(key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('uses the UTF-8 bytes of a secret without the whsec_ prefix', () => {
    const expected = createHmac('sha256', Buffer.from('dev-webhook-secret', 'utf8')).update('id-1.1700000000.{"a":1}').digest('base64');
    expect(sign(signingKey('dev-webhook-secret'), 'id-1', 1700000000, '{"a":1}')).toBe(`v1,${expected}`);
  });

  it('decodes the base64 part of a whsec_ secret (not its text)', () => {
    const raw = Buffer.from('0123456789abcdef0123456789abcdef');
    const secret = `whsec_${raw.toString('base64')}`;
    expect(signingKey(secret).equals(raw)).toBe(true);
    expect(signingKey(secret).equals(Buffer.from(secret))).toBe(false);
  });

  it('refuses an empty secret and a whsec_ secret that is not base64', () => {
    expect(() => signingKey('')).toThrow(/empty/);
    expect(() => signingKey('whsec_')).toThrow(/base64/);
    expect(() => signingKey('whsec_not base64!')).toThrow(/base64/);
  });

  it('builds the three headers of one attempt', () => {
    const key = signingKey('s3cret');
    const headers = webhookHeaders(key, 'evt-1', 1700000001, '{}');
    expect(headers).toEqual({
      'webhook-id': 'evt-1',
      'webhook-timestamp': '1700000001',
      'webhook-signature': sign(key, 'evt-1', 1700000001, '{}'),
    });
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    // The signature covers id, timestamp and body: changing any one changes it.
    expect(sign(key, 'evt-2', 1700000001, '{}')).not.toBe(headers['webhook-signature']);
    expect(sign(key, 'evt-1', 1700000002, '{}')).not.toBe(headers['webhook-signature']);
    expect(sign(key, 'evt-1', 1700000001, '{ }')).not.toBe(headers['webhook-signature']);
  });
});
