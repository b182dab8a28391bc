// Turns ajv errors into short sentences a client can act on, e.g. `/data/size: must be integer`.
import type { ErrorObject } from 'ajv';

export interface ValidationProblem {
  instancePath: string;
  message: string;
  keyword: string;
  params: Record<string, unknown>;
}

export function describeError(e: ErrorObject): string {
  const where = e.instancePath || '(root)';
  if (e.keyword === 'additionalProperties') return `${where}: unexpected property "${String(e.params.additionalProperty)}"`;
  if (e.keyword === 'required') return `${where}: missing required property "${String(e.params.missingProperty)}"`;
  if (e.keyword === 'enum') return `${where}: must be one of ${JSON.stringify(e.params.allowedValues)}`;
  if (e.keyword === 'const') return `${where}: must be ${JSON.stringify(e.params.allowedValue)}`;
  return `${where}: ${e.message ?? e.keyword}`;
}

export function describeErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return [...new Set((errors ?? []).map(describeError))];
}

/** The error list of a 422 answer (gateway.openapi.yaml `ValidationFailed.errors`). */
export function problems(errors: readonly ErrorObject[] | null | undefined): ValidationProblem[] {
  return (errors ?? []).map((e) => ({
    instancePath: e.instancePath,
    message: describeError(e),
    keyword: e.keyword,
    params: e.params as Record<string, unknown>,
  }));
}
