// Deeply nested JSON for the depth-limit tests, built without recursion.

/** `levels` nested objects `{"a": ...}` (or arrays) around 1. */
export function nested(levels: number, array = false): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = array ? [value] : { a: value };
  return value;
}

/** The JSON text of `nested(levels)`, for values JSON.stringify would overflow on. */
export function nestedText(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}
