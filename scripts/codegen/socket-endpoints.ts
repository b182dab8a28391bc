// Finds the spec-driven WebSocket APIs: an AsyncAPI channel on a `ws` server whose `x-switchyard`
// says how sockets authenticate and which audience they hear (specs/README.md), and the client
// actions of the channel: its `receive` operations with a `reply`. The gateway serves each of them
// from this description (src/apis/spec-socket.ts), with the API's handler file for the actions it
// does not forward (src/apis/spec-actions.ts).
import type { Spec } from './specs';
import { atPointer, constsOf, escapePointer, followRefs, isObject, type Json } from './pointer';
import { HEADER } from './render';

/** One client action: the request and success reply message ids, by operationId. */
export interface ActionInfo {
  request: string;
  reply: string;
}

export interface SocketEndpointInfo {
  path: string;
  audience: string;
  from: { claim: string } | { query: string };
  token: ('header' | 'query')[];
  actions: Record<string, ActionInfo>;
  /** Id of the message a failed request is answered with (x-switchyard `error`); null: no actions. */
  error: string | null;
  /** Where requests, replies and errors carry the correlation id (AsyncAPI `correlationId`); null: none. */
  correlation: string | null;
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
  const { audience, from, token, error } = rule;
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
  const actions = actionsOf(doc, at, fail);
  if (!actions) return undefined;
  const errorId = error === undefined ? undefined : messageId(doc, refTarget(error));
  if (error !== undefined && !errorId) return void fail('/x-switchyard/error', 'must be a $ref to the message a failed request is answered with');
  if (Object.keys(actions).length && !errorId) return void fail('/x-switchyard/error', 'a channel with client actions names its error reply: error: {$ref: <message>}');
  if (errorId && !Object.keys(actions).length) return void fail('/x-switchyard/error', 'an error reply needs client actions (receive operations with a reply)');
  if (errorId && !errorShapeOk(doc, errorId)) return void fail('/x-switchyard/error', 'the error reply payload must have the properties status (integer) and errors (array)');
  const exchanged = new Set([...Object.values(actions).flatMap((a) => [a.request, a.reply]), ...(errorId ? [errorId] : [])]);
  const correlation = correlationOf(doc, [...exchanged], fail);
  if (correlation === undefined) return undefined;
  if (!distinguishable(doc, actions, fail)) return undefined;

  // Every other message the channel carries is published to that one audience key, and nothing else.
  let published = 0;
  for (const [name, ref] of Object.entries(isObject(ch.messages) ? ch.messages : {})) {
    const id = messageId(doc, refTarget(ref));
    if (id && exchanged.has(id)) continue;
    const message = atPointer(doc, refTarget(ref) ?? '');
    const keys = isObject(message) && isObject(message['x-switchyard']) ? message['x-switchyard'].audience : undefined;
    if (!Array.isArray(keys)) return void fail(`/messages/${escapePointer(name)}`, 'a socket endpoint carries only messages back-ends publish (x-switchyard audience and data)');
    const others = keys.filter((k) => k !== audience);
    if (others.length) return void fail(`/messages/${escapePointer(name)}`, `audience ${others.join(', ')}: this endpoint groups sockets by ${audience} only`);
    published++;
  }
  if (!published && !Object.keys(actions).length) return void fail('/messages', 'a socket endpoint needs at least one message or client action');
  const place = source[0] === 'claim' ? { claim: source[1] as string } : { query: source[1] as string };
  return { path: ch.address, audience, from: place, token: token as SocketEndpointInfo['token'], actions, error: errorId ?? null, correlation };
}

/** `#/components/messages/<id>` (directly or through the channel's entry) -> `<id>`. */
function messageId(doc: Json, ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  const target = ref.startsWith('#/channels/') ? refTarget(atPointer(doc, ref)) ?? ref : ref;
  const m = /^#\/components\/messages\/([^/]+)$/.exec(target);
  return m ? m[1].replace(/~1/g, '/').replace(/~0/g, '~') : undefined;
}

/** The channel's `receive` operations with a `reply`: one request and one success reply each. */
function actionsOf(doc: Json, channelAt: string, fail: (path: string, message: string) => void): Record<string, ActionInfo> | undefined {
  const actions: Record<string, ActionInfo> = {};
  let ok = true;
  const one = (list: unknown): string | undefined => (Array.isArray(list) && list.length === 1 ? messageId(doc, refTarget(list[0])) : undefined);
  for (const [id, op] of Object.entries(isObject(doc.operations) ? doc.operations : {})) {
    if (!isObject(op) || op.action !== 'receive' || !isObject(op.reply) || refTarget(op.channel) !== `#${channelAt}`) continue;
    const request = one(op.messages);
    const reply = one(op.reply.messages);
    const rule = request ? atPointer(doc, `#/components/messages/${escapePointer(request)}/x-switchyard`) : undefined;
    if (!request || !reply) {
      fail('/x-switchyard', `operation ${id}: a client action lists exactly one request message and one reply message (errors go to x-switchyard error)`);
      ok = false;
    } else if (isObject(rule) && rule.snapshot !== undefined) {
      // Snapshots are the games API's own state; a spec socket API keeps none to send along.
      fail('/x-switchyard', `operation ${id}: x-switchyard snapshot is not served on a spec socket endpoint (forward only)`);
      ok = false;
    } else actions[id] = { request, reply };
  }
  return ok ? actions : undefined;
}

const payloadOf = (id: string) => `#/components/messages/${escapePointer(id)}/payload`;

function errorShapeOk(doc: Json, id: string): boolean {
  const schema = atPointer(doc, followRefs(doc, payloadOf(id)));
  const props = isObject(schema) && isObject(schema.properties) ? schema.properties : {};
  const type = (name: string) => {
    const p = atPointer(doc, followRefs(doc, `${followRefs(doc, payloadOf(id))}/properties/${name}`));
    return isObject(p) ? p.type : undefined;
  };
  return 'status' in props && 'errors' in props && type('status') === 'integer' && type('errors') === 'array';
}

/** The one `correlationId` location every exchanged message shares, as a JSON pointer; null when none has one. */
function correlationOf(doc: Json, ids: string[], fail: (path: string, message: string) => void): string | null | undefined {
  const found = new Map<string, string | null>();
  for (const id of ids) {
    const at = `#/components/messages/${escapePointer(id)}/correlationId`;
    const c = atPointer(doc, followRefs(doc, at));
    const location = isObject(c) && typeof c.location === 'string' ? c.location : null;
    found.set(id, location);
  }
  const locations = new Set(found.values());
  if (locations.size === 0 || (locations.size === 1 && locations.has(null))) return null;
  const [location] = locations;
  const m = typeof location === 'string' ? /^\$message\.payload#(\/.*)$/.exec(location) : null;
  if (locations.size > 1 || !m) {
    const list = [...found].map(([id, l]) => `${id}: ${l ?? 'none'}`).join(', ');
    return void fail('/x-switchyard', `requests, replies and the error reply share one correlationId location $message.payload#/<field> (${list})`);
  }
  return m[1];
}

/** Each request is told apart by a `const` in its payload (e.g. `type: {const: add}`). */
function distinguishable(doc: Json, actions: Record<string, ActionInfo>, fail: (path: string, message: string) => void): boolean {
  const consts = Object.entries(actions).map(([op, a]) => [op, constsOf(doc, payloadOf(a.request))] as const);
  for (const [i, [op, mine]] of consts.entries()) {
    const clash = consts.slice(i + 1).find(([, other]) => !Object.keys(mine).some((k) => k in other && JSON.stringify(mine[k]) !== JSON.stringify(other[k])));
    if (!Object.keys(mine).length || clash) {
      fail('/x-switchyard', `operation ${op}: its request needs a const field that tells it apart from ${clash ? `operation ${clash[0]}'s` : 'the other requests'} (e.g. type: {const: ${op}})`);
      return false;
    }
  }
  return true;
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
/** A client action: a request message and its success reply, by message id in the API's catalogue. */
export interface SocketAction {
  readonly request: string;
  readonly reply: string;
}

/**
 * A WebSocket API served from its spec (x-switchyard on its channel, specs/README.md): clients open
 * \`path\` with a JWT and hear the messages published \`to\` their value of \`audience\`; the
 * channel's client actions are answered by the API's handlers, or forwarded to a back-end.
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
  /** The channel's \`receive\` operations with a \`reply\`, by operationId. */
  readonly actions: Readonly<Record<string, SocketAction>>;
  /** Id of the message a failed request is answered with; null when the channel has no actions. */
  readonly error: string | null;
  /** JSON pointer of the correlation id in requests, replies and errors; null: none. */
  readonly correlation: string | null;
}

/** Every API whose spec describes its socket endpoint, by API name. */
export const socketEndpoints: Readonly<Record<string, SocketEndpoint>> = {${body ? `\n${body}` : ''}};
`;
}
