// Builds one API's message and operation catalogue from its raw spec documents: what the runtime
// imports to know every message (direction, audience, validators, consts) and every REST operation.
import type { Spec } from './specs';
import { atPointer, componentName, constsOf, escapePointer, followRefs, isObject, schemaForData, type Json } from './pointer';
import { identifier, specRef, type ValidatorDef } from './validators';

export interface MessageInfo {
  id: string;
  name: string;
  direction: 'send' | 'receive';
  channel: string;
  address: string | null;
  protocol: string;
  /** TypeScript type of the payload, as an expression over `M` (the models module). */
  type: string;
  validator: string;
  consts: Record<string, unknown>;
  publish?: { audience: string[]; dataPointer: string | null; validator: string; dataType: string };
  forward?: { backend: string; snapshot: string | null; reply: string };
}

export interface OperationInfo {
  operationId: string;
  method: string;
  path: string;
  params?: string;
  query?: string;
  body: Record<string, string>;
  responses: Record<string, Record<string, string>>;
}

/** A request/reply operation (`receive` with a `reply`, one message each way), by operationId. */
export interface ActionModel {
  operationId: string;
  request: string;
  reply: string;
}

export interface ApiModel {
  api: string;
  topic: string | null;
  messages: MessageInfo[];
  actions: ActionModel[];
  operations: OperationInfo[];
  validators: ValidatorDef[];
  /** Query/path validators: compiled with type coercion (see validators.ts). */
  coercingValidators: ValidatorDef[];
  errors: string[];
}

const entries = (v: unknown): [string, unknown][] => (isObject(v) ? Object.entries(v) : []);
const refTarget = (v: unknown): string | undefined => (isObject(v) && typeof v.$ref === 'string' ? v.$ref : undefined);

export function buildApiModel(api: string, specs: Spec[]): ApiModel {
  const model: ApiModel = { api, topic: null, messages: [], actions: [], operations: [], validators: [], coercingValidators: [], errors: [] };
  for (const spec of specs) {
    if (spec.kind === 'asyncapi') addAsyncApi(model, spec);
    else addOpenApi(model, spec);
  }
  return model;
}

function addAsyncApi(model: ApiModel, spec: Spec): void {
  const doc = spec.raw;
  const fail = (path: string, message: string) => model.errors.push(`${spec.file}: ${path}: ${message}`);
  const components = isObject(doc.components) ? doc.components : {};

  // Which channel and direction each component message is used in, from the operations.
  const usage = new Map<string, { direction: 'send' | 'receive'; channel: string }>();
  /** The success reply of each request message (its operation's `reply`), for forwarded requests. */
  const replyOf = new Map<string, string>();
  const messageKey = (ref: string | undefined): string | undefined => {
    if (!ref) return undefined;
    const target = ref.startsWith('#/channels/') ? refTarget(atPointer(doc, ref)) ?? ref : ref;
    const m = /^#\/components\/messages\/([^/]+)$/.exec(target);
    return m ? m[1].replace(/~1/g, '/').replace(/~0/g, '~') : undefined;
  };
  const channelId = (ref: string | undefined): string => (ref ?? '').replace(/^#\/channels\//, '');
  for (const [operationId, op] of entries(doc.operations)) {
    if (!isObject(op)) continue;
    const action = op.action === 'send' ? 'send' : 'receive';
    const channel = channelId(refTarget(op.channel));
    // Without a `messages` list an operation covers every message of its channel.
    const listed = Array.isArray(op.messages)
      ? op.messages.map(refTarget)
      : entries(atPointer(doc, `#/channels/${escapePointer(channel)}/messages`)).map(([, m]) => refTarget(m));
    for (const ref of listed) {
      const key = messageKey(ref);
      if (key) usage.set(key, { direction: action, channel });
    }
    const reply = isObject(op.reply) ? op.reply : undefined;
    for (const ref of reply && Array.isArray(reply.messages) ? reply.messages : []) {
      // A reply travels the other way from its request.
      const key = messageKey(refTarget(ref));
      const replyChannel = reply && refTarget(reply.channel) ? channelId(refTarget(reply.channel)) : channel;
      if (key) usage.set(key, { direction: action === 'send' ? 'receive' : 'send', channel: replyChannel });
      for (const request of listed) {
        const requestKey = messageKey(request);
        if (key && requestKey) replyOf.set(requestKey, key);
      }
    }
    const request = listed.length === 1 ? messageKey(listed[0]) : undefined;
    const replyKey = reply && Array.isArray(reply.messages) && reply.messages.length === 1 ? messageKey(refTarget(reply.messages[0])) : undefined;
    if (action === 'receive' && request && replyKey) model.actions.push({ operationId, request, reply: replyKey });
  }

  for (const [channel, ch] of entries(doc.channels)) {
    if (isObject(ch) && protocolOf(doc, ch) === 'kafka' && typeof ch.address === 'string' && !ch.address.endsWith('.dlq')) {
      // The bus swaps this prefix for the configured one (src/bus/topics.ts).
      if (!ch.address.startsWith('switchyard.')) fail(`/channels/${escapePointer(channel)}/address`, 'a Kafka topic must be written as switchyard.<name> (the default topic prefix)');
      model.topic = ch.address;
    }
  }

  for (const [id, message] of entries(components.messages)) {
    const at = `/components/messages/${escapePointer(id)}`;
    if (!isObject(message)) continue;
    const used = usage.get(id);
    if (!used) {
      fail(at, 'message is not used by any operation');
      continue;
    }
    const payloadPointer = `#${at}/payload`;
    const payloadSchema = followRefs(doc, payloadPointer);
    const typeName = componentName(payloadSchema);
    if (!typeName) {
      fail(`${at}/payload`, 'payload must be a $ref to a schema in components/schemas');
      continue;
    }
    const ch = atPointer(doc, `#/channels/${escapePointer(used.channel)}`);
    const info: MessageInfo = {
      id,
      name: typeof message.name === 'string' ? message.name : id,
      direction: used.direction,
      channel: used.channel,
      address: isObject(ch) && typeof ch.address === 'string' ? ch.address : null,
      protocol: isObject(ch) ? protocolOf(doc, ch) : 'unknown',
      type: `M.${typeName}`,
      validator: identifier('message', id),
      consts: constsOf(doc, payloadPointer),
    };
    model.validators.push({ name: info.validator, schema: { $ref: specRef(spec, payloadPointer) }, type: info.type });

    const rule = message['x-switchyard'];
    if (isObject(rule) && 'forward' in rule) {
      info.forward = forwardRule(info, rule, replyOf.get(id), (m) => fail(`${at}/x-switchyard`, m));
    } else if (rule !== undefined) {
      const publish = publishRule(spec, info, rule, payloadPointer, (m) => fail(`${at}/x-switchyard`, m));
      if (publish) {
        info.publish = publish.info;
        model.validators.push(publish.validator);
      }
    }
    model.messages.push(info);
  }
}

function publishRule(
  spec: Spec,
  info: MessageInfo,
  rule: unknown,
  payloadPointer: string,
  fail: (message: string) => void,
): { info: NonNullable<MessageInfo['publish']>; validator: ValidatorDef } | undefined {
  if (!isObject(rule)) return void fail('must be an object');
  const audience = rule.audience;
  if (!Array.isArray(audience) || audience.length === 0 || !audience.every((a) => typeof a === 'string')) {
    return void fail('audience must be a non-empty list of key names');
  }
  if (info.direction !== 'send') return void fail('only messages Switchyard sends can be published');
  const validator = identifier('data', info.id);
  if (typeof rule.data === 'string') {
    const schema = schemaForData(spec.raw, payloadPointer, rule.data);
    if (!schema) return void fail(`data pointer "${rule.data}" does not name a property of the payload schema`);
    const path = rule.data === '' ? [] : rule.data.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const dataType = `NonNullable<${info.type}${path.map((p) => `[${JSON.stringify(p)}]`).join('')}>`;
    return {
      info: { audience, dataPointer: rule.data, validator, dataType: path.length ? dataType : info.type },
      validator: { name: validator, schema: { $ref: specRef(spec, schema) }, type: path.length ? dataType : info.type },
    };
  }
  const input = refTarget(rule.input);
  if (input) {
    const name = componentName(followRefs(spec.raw, input));
    if (!name) return void fail('input must be a $ref to a schema in components/schemas');
    return {
      info: { audience, dataPointer: null, validator, dataType: `M.${name}` },
      validator: { name: validator, schema: { $ref: specRef(spec, input) }, type: `M.${name}` },
    };
  }
  return void fail('needs either data (a JSON pointer into the payload) or input (a $ref to the published schema)');
}

/** `x-switchyard: {forward: <back-end name>, snapshot?: <pointer>}` on a request message. */
function forwardRule(info: MessageInfo, rule: Json, reply: string | undefined, fail: (message: string) => void): MessageInfo['forward'] {
  const { forward, snapshot, ...rest } = rule;
  if (Object.keys(rest).length) return void fail(`a forwarded request takes only forward and snapshot (got ${Object.keys(rest).join(', ')})`);
  if (typeof forward !== 'string' || !/^[a-z][a-z0-9_-]*$/.test(forward)) return void fail('forward must name a back-end: lower-case letters, digits, "_" and "-"');
  if (snapshot !== undefined && (typeof snapshot !== 'string' || !snapshot.startsWith('/'))) return void fail('snapshot must be a JSON pointer into the request');
  if (info.direction !== 'receive') return void fail('only requests Switchyard receives can be forwarded');
  if (!reply) return void fail('a forwarded request needs an operation whose reply names its success reply');
  return { backend: forward, snapshot: (snapshot as string | undefined) ?? null, reply };
}

function protocolOf(doc: Json, channel: Json): string {
  const servers = Array.isArray(channel.servers) ? channel.servers : [];
  const first = servers.length ? atPointer(doc, refTarget(servers[0]) ?? '') : Object.values(isObject(doc.servers) ? doc.servers : {})[0];
  return isObject(first) && typeof first.protocol === 'string' ? first.protocol : 'unknown';
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const shortType = (contentType: string): string =>
  ({ 'application/json': 'json', 'application/x-www-form-urlencoded': 'form', 'text/plain': 'text' })[contentType] ??
  contentType.replace(/[^a-z0-9]+/gi, '_');

function addOpenApi(model: ApiModel, spec: Spec): void {
  const doc = spec.raw;
  for (const [path, item] of entries(doc.paths)) {
    if (!isObject(item)) continue;
    const itemPointer = `#/paths/${escapePointer(path)}`;
    for (const method of METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      const opPointer = `${itemPointer}/${method}`;
      if (typeof op.operationId !== 'string') {
        model.errors.push(`${spec.file}: ${opPointer.slice(1)}: every operation needs an operationId`);
        continue;
      }
      const id = op.operationId;
      const info: OperationInfo = { operationId: id, method: method.toUpperCase(), path, body: {}, responses: {} };

      // Path and operation parameters become one object schema per location.
      for (const where of ['path', 'query'] as const) {
        const props: Record<string, unknown> = {};
        const required: string[] = [];
        const params = [
          ...(Array.isArray(item.parameters) ? item.parameters.map((_, i) => `${itemPointer}/parameters/${i}`) : []),
          ...(Array.isArray(op.parameters) ? op.parameters.map((_, i) => `${opPointer}/parameters/${i}`) : []),
        ];
        for (const pointer of params) {
          const resolved = followRefs(doc, pointer);
          const param = atPointer(doc, resolved);
          if (!isObject(param) || param.in !== where || typeof param.name !== 'string') continue;
          props[param.name] = { $ref: specRef(spec, `${resolved}/schema`) };
          if (param.required) required.push(param.name);
        }
        if (Object.keys(props).length === 0) continue;
        const name = identifier(id, where === 'path' ? 'params' : 'query');
        // The parameters as openapi-typescript types them (`O` is ./openapi's `operations`).
        const type = `NonNullable<O[${JSON.stringify(id)}]["parameters"][${JSON.stringify(where)}]>`;
        model.coercingValidators.push({ name, schema: { type: 'object', properties: props, required }, type });
        if (where === 'path') info.params = name;
        else info.query = name;
      }

      const bodyPointer = followRefs(doc, `${opPointer}/requestBody`);
      for (const [contentType, media] of entries(atPointer(doc, `${bodyPointer}/content`))) {
        if (!isObject(media) || !media.schema) continue;
        const name = identifier(id, 'body', shortType(contentType));
        const type = `NonNullable<O[${JSON.stringify(id)}]["requestBody"]>["content"][${JSON.stringify(contentType)}]`;
        model.validators.push({ name, schema: { $ref: specRef(spec, `${bodyPointer}/content/${escapePointer(contentType)}/schema`) }, type });
        info.body[contentType] = name;
      }
      for (const [status] of entries(op.responses)) {
        const responsePointer = followRefs(doc, `${opPointer}/responses/${escapePointer(status)}`);
        info.responses[status] ??= {}; // documented even without a body (a 204)
        for (const [contentType, media] of entries(atPointer(doc, `${responsePointer}/content`))) {
          if (!isObject(media) || !media.schema) continue;
          const name = identifier(id, status, shortType(contentType));
          const type = `O[${JSON.stringify(id)}]["responses"][${JSON.stringify(status)}]["content"][${JSON.stringify(contentType)}]`;
          model.validators.push({ name, schema: { $ref: specRef(spec, `${responsePointer}/content/${escapePointer(contentType)}/schema`) }, type });
          info.responses[status][contentType] = name;
        }
      }
      model.operations.push(info);
    }
  }
}
