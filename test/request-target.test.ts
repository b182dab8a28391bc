// requestTarget: path and query of a raw request target, for any bytes a client may send.
import { requestTarget } from '../src/http/request-target';

const split = (url: string | undefined) => {
  const { pathname, query } = requestTarget(url);
  return { pathname, query: [...query] };
};

it.each([
  ['/', '/', []],
  ['/ws?key=abc', '/ws', [['key', 'abc']]],
  ['/?session_key=a%20b&x', '/', [['session_key', 'a b'], ['x', '']]],
  ['/ws?key=%zz&k=%', '/ws', [['key', '%zz'], ['k', '%']]],
  ['/ws#frag?key=1', '/ws', []],
  ['http://example.com:8080/ws?key=1', '/ws', [['key', '1']]],
  ['http://example.com', '/', []],
])('%s', (url, pathname, query) => {
  expect(split(url)).toEqual({ pathname, query });
});

it.each([
  ['//', '//'],
  ['/\\\\', '/\\\\'],
  ['//:99999', '//:99999'],
  ['//[::1', '//[::1'],
  ['http://[', '/'],
  ['*', '*'],
  ['', '/'],
])('never throws on %j (new URL(target, base) does for some)', (url, pathname) => {
  expect(requestTarget(url).pathname).toBe(pathname);
});

it('an absent target is /', () => {
  expect(split(undefined)).toEqual({ pathname: '/', query: [] });
});
