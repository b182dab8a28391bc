// POST /publish/v1/{api}: back-end services publish an event for delivery (DESIGN.md). While the bus
// is down the answer is 503 with Retry-After (src/http/errors.ts), at once or within the dependency
// timeout; a publisher that sends an Idempotency-Key may repeat a publish that got no 202 harmlessly.
import { randomUUID } from 'node:crypto';
import type { ApiModule, GatewayContext } from '../gateway/context';
import { HttpError } from '../http/errors';
import { idempotencyKey, recordIdFor } from '../http/idempotency';
import { mount } from '../http/mount';
import { respond } from '../http/respond';
import { bearerClaims } from '../http/bearer';
import { hasScope } from '../auth/authenticator';
import { isApiName } from '../../generated';
import type { Envelope } from '../ports/bus';
import { checkEnvelope } from '../routing/check-envelope';
import { problems } from '../validation/describe-errors';
import { tracePublish } from '../tracing/spans';

export function publishApi(ctx: GatewayContext): ApiModule {
  const op = ctx.catalogues.gateway.operations.publish;
  return {
    name: 'publish',
    routes(router) {
      // The token is checked before the api and the body (401 before 404/415/422): the handler checks.
      mount(router, op, (k) => tracePublish(k.headers, k.params.api, async () => {
        const claims = await bearerClaims(k, ctx.auth);
        if (!claims) throw new HttpError(401, 'A valid bearer token is required');
        if (!hasScope(claims, 'publish')) throw new HttpError(403, 'The token lacks the "publish" scope');

        // The APIs on the bus are generated from the specs (the path parameter lists none).
        const { api } = k.params;
        if (!isApiName(api)) throw new HttpError(404, `unknown api "${api}"`);
        const validateBody = op.body['application/json'];
        if (!k.is('application/json')) throw new HttpError(415, 'Send the envelope as application/json');
        const body: unknown = k.request.body;
        if (!validateBody(body)) throw new HttpError(422, 'The body is not a publish envelope', problems(validateBody.errors));

        const check = checkEnvelope(ctx.catalogues[api], body.message, body.to, body.data);
        if (!check.ok) throw new HttpError(check.status, check.error, check.errors);

        const key = idempotencyKey(k);
        const id = key === undefined ? randomUUID() : recordIdFor(key, 'publish', claims.sub, api);
        const envelope: Envelope = { id, message: body.message, to: check.to, data: body.data };
        await ctx.bus.publish(api, envelope);
        ctx.metrics.eventsPublishedTotal.inc({ api, message: body.message });
        respond(k, op, 202, { id: envelope.id });
      }), { validate: false });
    },
  };
}
