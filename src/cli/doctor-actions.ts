// `switchyard doctor`, forwarded requests: every back-end the specs forward client requests to (the
// generated catalogue's `forward.backend`) needs a URL in ACTION_BACKENDS, and that URL must answer.
import { catalogues as generatedCatalogues, type ApiCatalogue } from '../../generated';
import { redactUrl, type Config } from '../config';
import { errorText, fail, ok, warn, type Finding } from './findings';

/** Reachability only: any HTTP answer will do, so a short wait is enough. */
const REACH_TIMEOUT_MS = 2_000;

/** Back-end name -> the messages the specs forward to it (`api/message`). */
export function forwardedBackends(catalogues: Readonly<Record<string, ApiCatalogue>>): Map<string, string[]> {
  const backends = new Map<string, string[]>();
  for (const [api, catalogue] of Object.entries(catalogues)) {
    for (const message of Object.values(catalogue.messages)) {
      if (message.forward) backends.set(message.forward.backend, [...(backends.get(message.forward.backend) ?? []), `${api}/${message.name}`]);
    }
  }
  return backends;
}

/**
 * One finding per forwarded back-end. Missing from ACTION_BACKENDS: a failure (its requests are
 * answered 503), a warning only in development, where a bare `npm start` has no back-ends. Configured:
 * the URL must answer HTTP at all (any status: the gateway POSTs to it, a probe cannot know more).
 */
export async function actionFindings(
  config: Pick<Config, 'actionBackends' | 'devMode'>,
  timeoutMs: number,
  catalogues: Readonly<Record<string, ApiCatalogue>> = generatedCatalogues,
): Promise<Finding[]> {
  const wait = Math.min(timeoutMs, REACH_TIMEOUT_MS);
  return Promise.all(
    [...forwardedBackends(catalogues)].map(async ([backend, messages]): Promise<Finding> => {
      const url = config.actionBackends.get(backend);
      if (url === undefined) {
        const detail = `${backend}: not in ACTION_BACKENDS, so the requests forwarded to it (${messages.join(', ')}) are answered 503 (set ACTION_BACKENDS=${backend}=http://...)`;
        return (config.devMode ? warn : fail)('action', detail, { backend, messages });
      }
      const shown = redactUrl(url);
      const data = { backend, url: shown, messages };
      try {
        const res = await reach(url, wait);
        return ok('action', `${backend}: ${shown} answers (HTTP ${res})`, { ...data, status: res });
      } catch (err) {
        return fail('action', `${backend}: ${shown} does not answer within ${wait} ms: ${errorText(err).split(url).join(shown)}`, data);
      }
    }),
  );
}

/** The HTTP status of a HEAD request to `url` (credentials in it sent as basic auth, as fetch refuses them in the URL). */
async function reach(raw: string, timeoutMs: number): Promise<number> {
  const url = new URL(raw);
  const headers: Record<string, string> = {};
  if (url.username || url.password) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  const res = await fetch(url, { method: 'HEAD', headers, signal: AbortSignal.timeout(timeoutMs) });
  await res.body?.cancel();
  return res.status;
}
