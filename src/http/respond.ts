// Sends a body only after the generated validator of the operation's response accepts it: a body
// that breaks the spec is a gateway bug, logged, and answered 500 instead of leaking out.
import type { ParameterizedContext } from 'koa';
import type { OperationEntry } from '../../generated';
import { describeErrors } from '../validation/describe-errors';

export class ResponseContractError extends Error {}

export function respond(ctx: ParameterizedContext, op: OperationEntry, status: number, body: unknown, contentType = 'application/json'): void {
  const validate = op.responses[String(status)]?.[contentType];
  if (!validate) throw new ResponseContractError(`${op.operationId}: the spec has no ${status} ${contentType} response`);
  if (!validate(body)) {
    throw new ResponseContractError(`${op.operationId}: ${status} body breaks the spec: ${describeErrors(validate.errors).join('; ')}`);
  }
  ctx.status = status;
  ctx.type = contentType;
  // Koa sends a string body as it is: a JSON string must be encoded to be one.
  if (contentType !== 'application/json') ctx.body = String(body);
  else ctx.body = typeof body === 'string' ? JSON.stringify(body) : body;
}

/** The operation with this method and path template in a catalogue; throws at start if missing. */
export function operation(catalogue: { operations: Readonly<Record<string, OperationEntry>> }, method: string, path: string): OperationEntry {
  const op = Object.values(catalogue.operations).find((o) => o.method === method && o.path === path);
  if (!op) throw new Error(`no ${method} ${path} operation in the spec`);
  return op;
}
