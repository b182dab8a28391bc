// POST /publish/v1/{api} and /publish/v1/{api}/batch: back-end services publish events for delivery
// (DESIGN.md), one per request or up to 1,000 checked one by one. While the bus is down the answer is
// 503 with Retry-After (src/http/errors.ts), at once or within the dependency timeout; a publisher
// that sends an Idempotency-Key may repeat a publish that got no 2xx harmlessly.
import { randomUUID } from 'node:crypto';
import type { ParameterizedContext } from 'koa';
import type { ApiModule, GatewayContext } from './context';
import { HttpError } from '../http/errors';
import { idempotencyKey, recordIdFor } from '../http/idempotency';
import { mount } from '../http/mount';
import { respond } from '../http/respond';
import { bearerClaims, bearerRequired, scopeRequired } from '../http/bearer';
import { hasScope, type Claims } from '../auth/authenticator';
import { isApiName, type ApiName } from '../../generated';
import { markChecked, type Envelope } from '../ports/bus';
import { checkEnvelope, type EnvelopeCheck } from '../envelopes/check-envelope';
import { problems } from '../validation/describe-errors';
import { tracePublish } from '../tracing/spans';

type Refusal = Extract<EnvelopeCheck, { ok: false }>;

export function publishApi(ctx: GatewayContext): ApiModule {
  const { publish: single, publishBatch: batch } = ctx.catalogues.gateway.operations;
  const validateEnvelope = single.body['application/json'];

  /**
   * The caller may publish to `api` and sent JSON (token first: 401 before 404/415/422, so the
   * routes are mounted without the operation's own checks): its claims, else the HTTP error.
   */
  async function authorize(k: ParameterizedContext): Promise<{ claims: Claims; api: ApiName }> {
    const claims = await bearerClaims(k, ctx.auth);
    if (!claims) throw bearerRequired(k, 'A valid bearer token is required');
    if (!hasScope(claims, 'publish')) throw scopeRequired(k, 'publish', 'The token lacks the "publish" scope');
    // The APIs on the bus are generated from the specs (the path parameter lists none).
    const { api } = k.params;
    if (!isApiName(api)) throw new HttpError(404, `unknown api "${api}"`);
    if (!k.is('application/json')) throw new HttpError(415, 'Send the envelope as application/json');
    return { claims, api };
  }

  /** An envelope ready for the bus, or why a single publish of `body` would be refused. */
  function envelopeOf(api: ApiName, body: unknown, id: string): Envelope | Refusal {
    if (!validateEnvelope(body)) return { ok: false, status: 422, error: 'The body is not a publish envelope', errors: problems(validateEnvelope.errors) };
    const check = checkEnvelope(ctx.catalogues[api], body.message, body.to, body.data);
    if (!check.ok) return check;
    const envelope: Envelope = { id, message: body.message, to: check.to, data: body.data };
    markChecked(envelope, ctx.catalogues[api]); // the bus's handlers in this process need not check it again
    return envelope;
  }

  const accepted = (e: Envelope | Refusal): e is Envelope => !('ok' in e);

  return {
    name: 'publish',
    routes(router) {
      mount(router, single, (k) => tracePublish(k.headers, k.params.api, async () => {
        const { claims, api } = await authorize(k);
        const key = idempotencyKey(k);
        const envelope = envelopeOf(api, k.request.body, key === undefined ? randomUUID() : recordIdFor(key, 'publish', claims.sub, api));
        if (!accepted(envelope)) throw new HttpError(envelope.status, envelope.error, envelope.errors);
        await ctx.bus.publish(api, envelope);
        ctx.metrics.eventsPublishedTotal.inc({ api, message: envelope.message });
        respond(k, single, 202, { id: envelope.id });
      }), { validate: false });

      mount(router, batch, (k) => tracePublish(k.headers, k.params.api, async () => {
        const { claims, api } = await authorize(k);
        const validateBatch = batch.body['application/json'];
        const body: unknown = k.request.body;
        if (!validateBatch(body)) throw new HttpError(422, 'The body is not a batch of publish envelopes', problems(validateBatch.errors));
        const key = idempotencyKey(k);
        const envelopes = body.events.map((item, i) => envelopeOf(api, item, key === undefined ? randomUUID() : recordIdFor(key, 'publish-batch', claims.sub, api, String(i))));
        // Published together (the Kafka bus sends records published at once in one send); any failure
        // (an outage) answers the whole request 503, and a retry with the key repeats nothing.
        const publishing = envelopes.filter(accepted);
        await Promise.all(publishing.map((e) => ctx.bus.publish(api, e)));
        for (const e of publishing) ctx.metrics.eventsPublishedTotal.inc({ api, message: e.message });
        const results = envelopes.map((e) => (accepted(e) ? { status: 202, id: e.id } : { status: e.status, error: e.error, ...(e.errors ? { errors: e.errors } : {}) }));
        respond(k, batch, 200, { results });
      }), { validate: false });
    },
  };
}
