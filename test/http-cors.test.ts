// src/http/cors.ts: which origins are answered (the end-to-end checks are test/compat/cors.test.ts).
import { allowedOrigin, socketIoCors } from '../src/http/cors';

describe('allowedOrigin', () => {
  it('echoes any origin for *, only listed ones otherwise, and nothing without an Origin', () => {
    expect(allowedOrigin({ corsOrigins: '*', corsCredentials: true }, 'https://a.example')).toBe('https://a.example');
    const listed = { corsOrigins: ['https://a.example'], corsCredentials: true };
    expect(allowedOrigin(listed, 'https://a.example')).toBe('https://a.example');
    expect(allowedOrigin(listed, 'https://a.example.evil.net')).toBeUndefined();
    expect(allowedOrigin(listed, 'http://a.example')).toBeUndefined();
    expect(allowedOrigin(listed, undefined)).toBeUndefined();
    expect(allowedOrigin({ corsOrigins: [], corsCredentials: true }, 'https://a.example')).toBeUndefined();
    expect(allowedOrigin({ corsOrigins: '*', corsCredentials: true }, '')).toBeUndefined();
  });
});

describe('socketIoCors', () => {
  it('answers the cors package with the origin or false', async () => {
    const options = socketIoCors({ corsOrigins: ['https://a.example'], corsCredentials: false });
    expect(options.credentials).toBe(false);
    const origin = options.origin as (o: string | undefined, cb: (err: Error | null, allow?: unknown) => void) => void;
    const ask = (o: string | undefined) => new Promise((resolve) => origin(o, (_err, allow) => resolve(allow)));
    expect(await ask('https://a.example')).toBe('https://a.example');
    expect(await ask('https://b.example')).toBe(false);
  });
});
