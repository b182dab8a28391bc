// The long-poll query rules of the original (ORIGINALS.md): lenient numbers, required strings.
/**
 * The query after the original's lenient parsing, not the spec's query type: `limit` always has a
 * value here (out-of-range and missing become the default), which the spec cannot say.
 */
export interface PollQuery {
  clientId: string;
  channel: string;
  secret: string;
  /** Undefined when the client gave none: then the stored cursor is used. */
  after?: number;
  limit: number;
}

export const MAX_LIMIT = 100;

/** `after`: integer >= 0, anything else given counts as 0. */
export function parseAfter(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(firstOf(raw));
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** `limit`: integer 1..100, anything else (or nothing) is 100. */
export function parseLimit(raw: unknown): number {
  const n = Number(firstOf(raw));
  return Number.isInteger(n) && n >= 1 && n <= MAX_LIMIT ? n : MAX_LIMIT;
}

/** A repeated query parameter counts by its first value. */
export function firstOf(raw: unknown): unknown {
  return Array.isArray(raw) ? raw[0] : raw;
}
