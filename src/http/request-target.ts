// The path and query of a request target (`req.url`), for listeners that see the raw request (the
// upgrade router, socket handshakes). `new URL(req.url, base)` throws on targets like `//` or
// `//:99999` (a scheme-relative URL with an empty or invalid host), and a throw inside an
// 'upgrade' listener ends the process; this split cannot throw.
export interface RequestTarget {
  /** Everything before `?` (or `#`), as sent: not decoded. */
  pathname: string;
  query: URLSearchParams;
}

/** `http://host:port` at the start of an absolute-form target (RFC 9112 3.2.2), which servers accept too. */
const SCHEME_AND_AUTHORITY = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

export function requestTarget(url: string | undefined): RequestTarget {
  const raw = (url ?? '/').replace(SCHEME_AND_AUTHORITY, '') || '/';
  const hash = raw.indexOf('#');
  const target = hash === -1 ? raw : raw.slice(0, hash);
  const mark = target.indexOf('?');
  return {
    pathname: mark === -1 ? target : target.slice(0, mark),
    // URLSearchParams leaves malformed percent escapes as they are rather than throwing.
    query: new URLSearchParams(mark === -1 ? '' : target.slice(mark + 1)),
  };
}

/**
 * Koa middleware: a target Koa cannot parse (an absolute-form target with an invalid host, such as
 * `http://[::1`, makes `ctx.path` throw) is answered 400 here rather than 500 wherever the path is
 * first read; `onMalformed` counts it.
 */
export function refuseMalformedTargets(onMalformed: () => void) {
  return async (ctx: { path: string; status: number; body: unknown }, next: () => Promise<unknown>): Promise<void> => {
    try {
      void ctx.path;
    } catch {
      onMalformed();
      ctx.status = 400;
      ctx.body = { error: 'Malformed request target' };
      return;
    }
    await next();
  };
}
