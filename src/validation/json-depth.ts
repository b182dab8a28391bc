// How deeply a parsed JSON value nests, checked without recursion. JSON.parse itself is iterative
// in V8, but what comes after it is not: structuredClone, JSON.stringify, ajv validators and Redis's
// cjson all recurse, and a value nested a few thousand levels deep overflows their stack. Every
// entry point (HTTP bodies, socket frames and events, Kafka records) checks the parsed value with
// this before anything else touches it.

/**
 * True when `value` nests more than `max` levels of objects or arrays (`{}` and `[]` are 1 level,
 * `{"a": []}` 2, a scalar 0). Iterative with an explicit stack, and it stops at the first branch
 * that is too deep.
 */
export function deeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const nodes: object[] = [value];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop() as Record<string, unknown>;
    const depth = depths.pop() as number;
    if (depth > max) return true;
    for (const key in node) {
      const child = node[key];
      // Binary attachments (socket.io) are leaves, not arrays of bytes to walk.
      if (typeof child === 'object' && child !== null && !ArrayBuffer.isView(child)) {
        nodes.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

/** The reason given to a client (and a dead letter) whose JSON nests too deeply. */
export function tooDeep(max: number): string {
  return `JSON nested deeper than ${max} levels`;
}
