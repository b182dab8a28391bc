// Finds the broadcast-only WebSocket APIs: an AsyncAPI channel on a `ws` server whose
// `x-switchyard` says how sockets authenticate and which audience they hear (specs/README.md).
// The gateway serves each of them from this description alone (src/apis/spec-socket.ts).
import type { Spec } from './specs';
import { atPointer, escapePointer, isObject, type Json } from './pointer';
import { HEADER } from './render';

export interface SocketEndpointInfo {
  path: string;
  audience: string;
  from: { claim: string } | { query: string };
  token: ('header' | 'query')[];
}

const TOKEN_PLACES = ['header', 'query'];
const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

const refTarget = (v: unknown): string | undefined => (isObject(v) && typeof v.$ref === 'string' ? v.$ref : undefined);

/** Each API's endpoint, by API name; problems as `file: path: message`. */
export function socketEndpoints(specs: Spec[]): { endpoints: Record<string, SocketEndpointInfo>; errors: string[] } {
  const endpoints: Record<string, SocketEndpointInfo> = {};
  const errors: string[] = [];
  // Upgrade paths other APIs serve already (their ws channels' addresses), to refuse a second one.
  const taken = new Map<string, string>();
  for (const spec of specs.filter((s) => s.kind === 'asyncapi')) {
    for (const [id, ch] of Object.entries(isObject(spec.raw.channels) ? spec.raw.channels : {})) {
      if (isObject(ch) && typeof ch.address === 'string' && ch['x-switchyard'] === undefined && protocolOf(spec.raw, ch) === 'ws') taken.set(ch.address, `${spec.file} channel ${id}`);
    }
  }
  for (const spec of specs.filter((s) => s.kind === 'asyncapi')) {
    for (const [id, ch] of Object.entries(isObject(spec.raw.channels) ? spec.raw.channels : {})) {
      if (!isObject(ch) || ch['x-switchyard'] === undefined) continue;
      const at = `/channels/${escapePointer(id)}`;
      const fail = (path: string, message: string) => errors.push(`${spec.file}: ${at}${path}: ${message}`);
      const endpoint = endpointOf(spec.raw, at, ch, fail);
      if (!endpoint) continue;
      const other = taken.get(endpoint.path);
      if (other) fail('/address', `${endpoint.path} is served already (${other})`);
      else if (endpoints[spec.api]) fail('/x-switchyard', `${spec.api} has a socket endpoint already (${endpoints[spec.api].path})`);
      else {
        endpoints[spec.api] = endpoint;
        taken.set(endpoint.path, `${spec.file} channel ${id}`);
      }
    }
  }
  return { endpoints, errors };
}

function endpointOf(doc: Json, at: string, ch: Json, fail: (path: string, message: string) => void): SocketEndpointInfo | undefined {
  const rule = ch['x-switchyard'];
  if (!isObject(rule)) return void fail('/x-switchyard', 'must be an object {audience, from, token}');
  // Unknown keys are the spec lint's (switchyard-keys.ts); a misspelt one leaves a required one missing here.
  const { audience, from, token } = rule;
  if (protocolOf(doc, ch) !== 'ws') return void fail('/servers', 'a socket endpoint is a channel on a server with protocol ws');
  if (typeof ch.address !== 'string' || !ch.address.startsWith('/') || ch.address.startsWith('/socket.io/')) {
    return void fail('/address', 'must be the upgrade path, starting with / (socket.io serves /socket.io/)');
  }
  if (typeof audience !== 'string' || !NAME.test(audience)) return void fail('/x-switchyard/audience', 'must name the envelope `to` key that groups the sockets');
  const source = isObject(from) && Object.keys(from).length === 1 ? Object.entries(from)[0] : undefined;
  if (!source || !['claim', 'query'].includes(source[0]) || typeof source[1] !== 'string' || !NAME.test(source[1])) {
    return void fail('/x-switchyard/from', 'must be {claim: <token claim>} or {query: <query parameter>}');
  }
  if (!Array.isArray(token) || token.length === 0 || !token.every((t) => TOKEN_PLACES.includes(t as string)) || new Set(token).size !== token.length) {
    return void fail('/x-switchyard/token', 'must list where the client JWT is read: header (Authorization: Bearer), query (?token=)');
  }
  // Every message the channel carries is published to that one audience key, and nothing else.
  let published = 0;
  for (const [name, ref] of Object.entries(isObject(ch.messages) ? ch.messages : {})) {
    const message = atPointer(doc, refTarget(ref) ?? '');
    const keys = isObject(message) && isObject(message['x-switchyard']) ? message['x-switchyard'].audience : undefined;
    if (!Array.isArray(keys)) return void fail(`/messages/${escapePointer(name)}`, 'a socket endpoint carries only messages back-ends publish (x-switchyard audience and data)');
    const others = keys.filter((k) => k !== audience);
    if (others.length) return void fail(`/messages/${escapePointer(name)}`, `audience ${others.join(', ')}: this endpoint groups sockets by ${audience} only`);
    published++;
  }
  if (!published) return void fail('/messages', 'a socket endpoint needs at least one message');
  const place = source[0] === 'claim' ? { claim: source[1] as string } : { query: source[1] as string };
  return { path: ch.address, audience, from: place, token: token as SocketEndpointInfo['token'] };
}

function protocolOf(doc: Json, ch: Json): string | undefined {
  const servers = Array.isArray(ch.servers) ? ch.servers : [];
  const first = servers.length ? atPointer(doc, refTarget(servers[0]) ?? '') : Object.values(isObject(doc.servers) ? doc.servers : {})[0];
  return isObject(first) && typeof first.protocol === 'string' ? first.protocol : undefined;
}

export function renderSocketEndpoints(endpoints: Record<string, SocketEndpointInfo>): string {
  const body = Object.keys(endpoints)
    .sort()
    .map((api) => `  ${JSON.stringify(api)}: ${JSON.stringify(endpoints[api])},\n`)
    .join('');
  return `${HEADER}
/**
 * A broadcast-only WebSocket API served from its spec alone (x-switchyard on its channel,
 * specs/README.md): clients open \`path\` with a JWT and hear the messages published \`to\` their
 * value of \`audience\`.
 */
export interface SocketEndpoint {
  /** The channel address: the upgrade path on the gateway's port. */
  readonly path: string;
  /** The envelope \`to\` key whose value picks the sockets that hear a message. */
  readonly audience: string;
  /** Where a socket's value of it comes from: a claim of its verified token, or a query parameter. */
  readonly from: { readonly claim: string } | { readonly query: string };
  /** Where the client's JWT is read: \`Authorization: Bearer\` (header), \`?token=\` (query). */
  readonly token: readonly ('header' | 'query')[];
}

/** Every API whose spec describes its socket endpoint, by API name. */
export const socketEndpoints: Readonly<Record<string, SocketEndpoint>> = {${body ? `\n${body}` : ''}};
`;
}
