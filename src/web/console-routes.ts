// /console and its API (/console/api/*): what the browser console needs beyond the public APIs it
// calls directly. It lists each API's messages from the catalogues, publishes an event checked as
// the publish API checks it, tells which spec message a received frame is and whether it is valid,
// mints dev tokens when the gateway signs with a secret, and reads the gateway's own counters.
// With CONSOLE_TOKEN set, every /console/api/* request must carry it as a bearer token.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { hostname } from 'node:os';
import type Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import type { ApiCatalogue } from '../../generated';
import { sign, signingKey } from '../apis/messenger/signature';
import { signToken } from '../auth/token';
import { consoleMode } from '../config';
import type { GatewayContext } from '../apis/context';
import { bearerRequired, bearerToken } from '../http/bearer';
import { HttpError } from '../http/errors';
import { API_NAMES, type ApiName, type Envelope } from '../ports/bus';
import { checkEnvelope } from '../envelopes/check-envelope';
import { problems } from '../validation/describe-errors';
import type { WebAssets } from './assets';
import type { DeadLetters } from './dead-letters';
import { sendSpecFile } from './docs-routes';
import { renderPage } from './html';
import type { SpecFiles } from './spec-files';

/** The largest audiences of each API the connections overview lists. */
const AUDIENCES_SHOWN = 20;

function bearerMatches(k: ParameterizedContext, token: string): boolean {
  const given = Buffer.from(bearerToken(k.get('authorization')) ?? '');
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

function apiName(name: string): ApiName {
  if (!(API_NAMES as readonly string[]).includes(name)) throw new HttpError(404, `unknown api "${name}"`);
  return name as ApiName;
}

/** Each API's messages as the console shows them; schemas and examples it reads from the spec itself. */
function describeApis(catalogues: GatewayContext['catalogues'], specs: SpecFiles) {
  return API_NAMES.map((api) => {
    const catalogue: ApiCatalogue = catalogues[api];
    const files = specs.apis.find((a) => a.api === api);
    return {
      api,
      asyncapi: files?.asyncapi,
      openapi: files?.openapi,
      messages: Object.values(catalogue.messages)
        .filter((m) => m.protocol !== 'kafka')
        .map((m) => ({
          id: m.id,
          name: m.name,
          direction: m.direction,
          protocol: m.protocol,
          address: m.address,
          audience: m.publish?.audience ?? null,
          dataPointer: m.publish?.dataPointer ?? null,
        })),
    };
  });
}

/**
 * Which spec message `frame` is, among those going `direction` (default: server to client), or the
 * named one: the first that validates, else the closest miss (one whose fixed values, such as an
 * event name, the frame carries) with its errors.
 */
function classify(catalogue: ApiCatalogue, frame: unknown, direction: 'send' | 'receive', name?: string) {
  const candidates = Object.values(catalogue.messages).filter((m) => m.protocol !== 'kafka' && (name !== undefined ? m.name === name : m.direction === direction));
  const valid = candidates.find((m) => m.validate(frame));
  if (valid) return { message: valid.id, valid: true, errors: [] };
  const fixed =
    name !== undefined
      ? candidates[0]
      : candidates.find((m) => Object.keys(m.consts).length > 0 && Object.entries(m.consts).every(([pointer, value]) => valueAt(frame, pointer) === value));
  if (!fixed) return { message: null, valid: false, errors: [{ instancePath: '', message: "matches none of the spec's messages", keyword: 'oneOf', params: {} }] };
  fixed.validate(frame);
  return { message: fixed.id, valid: false, errors: problems(fixed.validate.errors) };
}

function valueAt(value: unknown, pointer: string): unknown {
  let at = value;
  for (const part of pointer.split('/').slice(1)) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return at;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Standard Webhooks tolerance: a receiver refuses a delivery whose timestamp is further off than this. */
const SIGNATURE_TOLERANCE_S = 5 * 60;

/** What a Standard Webhooks receiver holding the secret would conclude of a delivery received at `at`. */
function checkSignature(key: Buffer, headers: Record<string, string>, body: string, at: number): { valid: boolean; reason: string } {
  const id = headers['webhook-id'];
  const timestamp = Number(headers['webhook-timestamp']);
  const given = (headers['webhook-signature'] ?? '').split(' ');
  if (!id || !Number.isInteger(timestamp) || given[0] === '') return { valid: false, reason: 'webhook-id, webhook-timestamp or webhook-signature missing' };
  if (Math.abs(at / 1000 - timestamp) > SIGNATURE_TOLERANCE_S) return { valid: false, reason: 'webhook-timestamp is more than 5 minutes off' };
  const wanted = Buffer.from(sign(key, id, timestamp, body));
  const matches = given.some((g) => Buffer.from(g).length === wanted.length && timingSafeEqual(Buffer.from(g), wanted));
  return matches ? { valid: true, reason: 'v1 signature matches WEBHOOK_SECRET' } : { valid: false, reason: 'no v1 signature matches WEBHOOK_SECRET' };
}

/** Publishes `envelope` for `api` as POST /publish/v1/{api} would, or throws its 404/422. */
async function publishChecked(ctx: GatewayContext, api: ApiName, body: { message?: unknown; to?: unknown; data?: unknown; id?: unknown }): Promise<string> {
  if (typeof body.message !== 'string' || typeof body.to !== 'object' || body.to === null) throw new HttpError(422, 'Send {message, to, data}');
  const check = checkEnvelope(ctx.catalogues[api], body.message, body.to as Record<string, unknown>, body.data);
  if (!check.ok) throw new HttpError(check.status, check.error, check.errors);
  const envelope: Envelope = { id: typeof body.id === 'string' ? body.id : randomUUID(), message: body.message, to: body.to as Envelope['to'], data: body.data };
  await ctx.bus.publish(api, envelope);
  ctx.metrics.eventsPublishedTotal.inc({ api, message: body.message });
  return envelope.id;
}

export function consoleRoutes(router: Router, ctx: GatewayContext, specs: SpecFiles, assets: WebAssets, nav: Array<[string, string]>, deadLetters?: DeadLetters): void {
  const mode = consoleMode(ctx.config);
  const secret = ctx.config.authJwtSecret;

  router.get('/console', async (k) => {
    k.type = 'text/html; charset=utf-8';
    k.body = renderPage({
      title: 'Console',
      nav,
      current: '/console',
      styles: [await assets.url('web.css')],
      scripts: [await assets.url('console.js')],
      body: `<main id="console" class="sy-console" data-mode="${mode}"><p class="sy-loading">Loading the console…</p></main>`,
    });
  });

  router.use('/console/api', async (k, next) => {
    if (ctx.config.consoleToken !== undefined && !bearerMatches(k, ctx.config.consoleToken)) {
      throw bearerRequired(k, 'The console needs the operator token (CONSOLE_TOKEN) as a bearer token');
    }
    await next();
  });

  router.get('/console/api/apis', (k) => {
    // The dev API secret is published (config.ts), so the events client may be given it.
    const devApiSecret = ctx.config.devSecrets.includes('API_SECRET') ? ctx.config.apiSecret : undefined;
    k.body = { signsTokens: secret !== undefined, devApiSecret, deadLetters: deadLetters !== undefined, apis: describeApis(ctx.catalogues, specs) };
  });

  router.get('/console/api/specs/:file', (k) => sendSpecFile(k, specs));

  router.post('/console/api/token', async (k) => {
    if (secret === undefined) throw new HttpError(409, 'The gateway checks tokens with AUTH_JWKS_URL: paste a token from your identity provider');
    // User tokens only (no scope): the live clients connect as a user; publishing goes through /console/api/publish.
    const body = (k.request.body ?? {}) as { sub?: unknown; claims?: unknown };
    if (typeof body.sub !== 'string' || body.sub === '') throw new HttpError(422, 'sub must be a non-empty string');
    const claims = typeof body.claims === 'object' && body.claims !== null ? (body.claims as Record<string, unknown>) : {};
    const token = await signToken(secret, { sub: body.sub, claims, issuer: ctx.config.authIssuer?.[0], audience: ctx.config.authAudience?.[0] });
    k.body = { token };
  });

  router.post('/console/api/publish/:api', async (k) => {
    const api = apiName(k.params.api);
    const body = (k.request.body ?? {}) as { message?: unknown; to?: unknown; data?: unknown };
    const id = await publishChecked(ctx, api, { message: body.message, to: body.to, data: body.data });
    k.status = 202;
    k.body = { id };
  });

  router.get('/console/api/dead-letters', async (k) => {
    if (!deadLetters) throw new HttpError(404, 'No Kafka configured (KAFKA_BROKERS): there are no dead letters');
    k.body = { records: await deadLetters.list() };
  });

  // Publishes a dead letter again (keeping its id, which no client has seen) if it is now an acceptable envelope.
  router.post('/console/api/dead-letters/replay', async (k) => {
    if (!deadLetters) throw new HttpError(404, 'No Kafka configured (KAFKA_BROKERS): there are no dead letters');
    const body = (k.request.body ?? {}) as { api?: unknown; partition?: unknown; offset?: unknown };
    const api = apiName(String(body.api));
    if (typeof body.partition !== 'number' || typeof body.offset !== 'string') throw new HttpError(422, 'Send {api, partition, offset}');
    const record = await deadLetters.find(api, body.partition, body.offset);
    if (!record) throw new HttpError(404, `no dead letter of ${api} at ${body.partition}/${body.offset}`);
    let envelope: unknown;
    try {
      envelope = JSON.parse(record.value);
    } catch {
      throw new HttpError(422, 'The record is not JSON: replaying it would dead-letter it again');
    }
    if (typeof envelope !== 'object' || envelope === null) throw new HttpError(422, 'The record is not a publish envelope {message, to, data}');
    const id = await publishChecked(ctx, api, envelope as Record<string, unknown>);
    k.status = 202;
    k.body = { id };
  });

  router.post('/console/api/validate/:api', (k) => {
    const api = apiName(k.params.api);
    const body = (k.request.body ?? {}) as { frame?: unknown; direction?: unknown; message?: unknown };
    const direction = body.direction === 'receive' ? 'receive' : 'send';
    k.body = classify(ctx.catalogues[api], body.frame, direction, typeof body.message === 'string' ? body.message : undefined);
  });

  // Callback inboxes (egress/console-inboxes.ts): the console registers `<origin>/console/inbox/<id>`
  // through the public API and reads here what was delivered, with what a receiver would check.
  const webhookKey = signingKey(ctx.config.webhookSecret);
  router.post('/console/api/inbox', (k) => {
    const id = ctx.inboxes.create();
    k.status = 201;
    k.body = { id, path: `/console/inbox/${id}` };
  });

  router.get('/console/api/inbox/:id', (k) => {
    const deliveries = ctx.inboxes.deliveries(k.params.id, Number(k.query.after) || 0);
    if (!deliveries) throw new HttpError(404, 'No such inbox on this node (inboxes are per node and the oldest go first)');
    k.body = {
      deliveries: deliveries.map((d) => ({
        ...d,
        signature: checkSignature(webhookKey, d.headers, d.body, d.at),
        verdict: classify(ctx.catalogues.messenger, parseJson(d.body), 'send'),
      })),
    };
  });

  router.get('/console/api/connections', async (k) => {
    const read = async (metric: { get(): Promise<{ values: Array<{ labels: Record<string, unknown>; value: number }> }> }) =>
      (await metric.get()).values.map((v) => ({ ...v.labels, value: v.value }));
    k.body = {
      connectionsOpen: await read(ctx.metrics.connectionsOpen),
      longPollsOpen: await read(ctx.metrics.longPollsOpen),
      eventsPublished: await read(ctx.metrics.eventsPublishedTotal),
      eventsDelivered: await read(ctx.metrics.eventsDeliveredTotal),
      // Live from the APIs' own bookkeeping (apis/audiences.ts): this node's connections only.
      node: hostname(),
      audiences: ctx.audiences.snapshot(AUDIENCES_SHOWN),
    };
  });
}
