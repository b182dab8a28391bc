// The keys an `x-switchyard` object may carry, by where it sits in an AsyncAPI document. The spec
// lint (lint-switchyard.ts) rejects any other key; a new rule is one edit here plus its line in
// specs/README.md. A place with no keys rejects `x-switchyard` there altogether.
export const SWITCHYARD_KEYS = {
  /** components/messages/<id> (and channels/<id>/messages/<id>): publish or forward rules. */
  message: ['audience', 'data', 'input', 'forward', 'snapshot'],
  /** channels/<id>: a spec-driven socket endpoint and its error reply (socket-endpoints.ts). */
  channel: ['audience', 'from', 'token', 'error'],
  /** operations/<id> */
  operation: [],
  /** servers/<id> */
  server: [],
} satisfies Record<string, readonly string[]>;

export type SwitchyardPlace = keyof typeof SWITCHYARD_KEYS;
