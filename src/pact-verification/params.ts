// Reading provider-state parameters (consumer-chosen JSON) without trusting their shape.
export type AnyJson = boolean | number | string | null | AnyJson[] | JsonMap;
export interface JsonMap {
  [key: string]: AnyJson;
}

/** Parameters of a state as a state handler receives them. */
export function params(raw: AnyJson | undefined): JsonMap {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {};
}

/** A required parameter as a string (numbers are accepted: audience values match as strings). */
export function text(p: JsonMap, name: string): string {
  const value = p[name];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  throw new Error(`provider state parameter "${name}" is missing (got ${JSON.stringify(value)})`);
}

export function integer(p: JsonMap, name: string): number {
  const value = Number(text(p, name));
  if (!Number.isInteger(value)) throw new Error(`provider state parameter "${name}" is not an integer`);
  return value;
}

export function object(p: JsonMap, name: string): JsonMap {
  const value = p[name];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`provider state parameter "${name}" is not an object`);
  return value;
}

/** Resolves once `check` returns a value, polling briefly; the limit only guards against a hang. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, limitMs = 10_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
