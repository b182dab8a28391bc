// Centrifugo, the peer target: where its binary is (scripts/centrifugo.sh builds it into a cache
// outside the repository), the configuration the bench runs it with, and what the load generator
// needs to know to talk to it. A scenario that cannot find or build it gets the reason as a string
// and runs its other targets.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './children';

/** HS256 secret of the connection tokens the load generator mints (one for every client, like the games session key). */
export const CENTRIFUGO_TOKEN_SECRET = 'bench-centrifugo-token-secret';
export const CENTRIFUGO_API_KEY = 'bench-centrifugo-api-key';
/** The one channel every client subscribes to: namespace `bench`, audience 1. */
export const CENTRIFUGO_CHANNEL = 'bench:1';
export const CENTRIFUGO_WS_PATH = '/connection/websocket';

/**
 * The configuration (Centrifugo v6 keys; `centrifugo defaultconfig -d` lists them all): clients
 * authenticate with an HMAC connection token and may subscribe to channels of the `bench` namespace
 * (no history, presence or join/leave: a plain broadcast channel, as the other targets have); the
 * HTTP API needs the key. Everything else is Centrifugo's default, pings included.
 */
export function centrifugoConfig(port: number): Record<string, unknown> {
  return {
    http_server: { address: '127.0.0.1', port },
    log: { level: 'error' },
    usage_stats: { disabled: true },
    health: { enabled: true },
    // /debug/pprof/heap?gc=1&debug=1: a full GC and the Go heap figures, for the memory readings.
    debug: { enabled: true },
    http_api: { key: CENTRIFUGO_API_KEY },
    client: { token: { hmac_secret_key: CENTRIFUGO_TOKEN_SECRET } },
    channel: { namespaces: [{ name: 'bench', allow_subscribe_for_client: true }] },
  };
}

/**
 * The binary's path, or why there is none. `build`: run scripts/centrifugo.sh, which builds it
 * (minutes, once) when it is not in the cache; otherwise only look (the quick and smoke sizes must
 * not wait for a Go build). CENTRIFUGO_BIN, when set, is used as it is.
 */
export function locateCentrifugo(build: boolean): { binary: string } | { missing: string } {
  const given = process.env.CENTRIFUGO_BIN?.trim();
  if (given) return { binary: given };
  const res = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'centrifugo.sh'), build ? 'path' : 'find'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 20 * 60_000,
  });
  const path = res.stdout?.trim().split('\n').pop();
  if (res.status === 0 && path) return { binary: path };
  const why = (res.stderr ?? '').trim().split('\n').pop() || String(res.error ?? `exit ${res.status}`);
  return { missing: build ? `scripts/centrifugo.sh could not build it: ${why}` : `${why}; this size does not build it` };
}
