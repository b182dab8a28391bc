// One-off move of the two Redis layouts the store split changed (commit 0d9bbd4), so that a gateway
// upgraded in place against a live Redis keeps its state:
//   events cursors:     hash `<prefix>cursors:<enc(channel)>`, field clientId, value String(after)
//                       -> `<prefix>cursor:<enc(channel)>:<enc(clientId)>` (JSON of a number: the same text)
//   workspace channels: hash `<prefix>channels`, field channelId, value workspaceId
//                       -> `<prefix>channel:<enc(channelId)>` (text)
// It runs at every start, without a marker: an old node still running during a rolling upgrade may
// write the old layout after the first new node started, and the next start picks that up. With nothing
// to move it costs one SCAN pass (SCAN, not KEYS: it never blocks Redis).
import type Redis from 'ioredis';

/** Moves one field atomically: copied with SET NX (a value a new node already wrote wins), then HDEL.
 * 1 moved, 0 the new key already had a value, -1 the field was gone (another node moved it). */
export const MOVE_HASH_FIELD = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return -1 end
local set = redis.call('SET', KEYS[2], v, 'NX')
redis.call('HDEL', KEYS[1], ARGV[1])
if set then return 1 end
return 0
`;

export interface MigrationCounts {
  /** Fields copied to their new key. */
  moved: number;
  /** Fields dropped because the new key already held a (newer) value. */
  superseded: number;
}

type Migrating = Redis & { moveHashField(from: string, to: string, field: string): Promise<number> };

const glob = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');

/** Every field of one old hash into `newKey(field)`; HSCAN, so a large hash never blocks Redis. */
async function moveHash(redis: Migrating, hash: string, newKey: (field: string) => string, counts: MigrationCounts): Promise<void> {
  for await (const batch of redis.hscanStream(hash, { count: 500 })) {
    const flat = batch as string[];
    for (let i = 0; i < flat.length; i += 2) {
      const result = await redis.moveHashField(hash, newKey(flat[i]), flat[i]);
      if (result === 1) counts.moved++;
      else if (result === 0) counts.superseded++;
    }
  }
}

/** Moves the old cursor hashes and the old channels hash under `prefix` to the new layout. */
export async function migrateLegacyLayout(redis: Redis, prefix: string): Promise<{ cursors: MigrationCounts; channels: MigrationCounts }> {
  if (typeof (redis as unknown as Partial<Migrating>).moveHashField !== 'function') redis.defineCommand('moveHashField', { numberOfKeys: 2, lua: MOVE_HASH_FIELD });
  const r = redis as unknown as Migrating;
  const cursors = { moved: 0, superseded: 0 };
  const channels = { moved: 0, superseded: 0 };
  const oldCursors = `${prefix}cursors:`;
  const hashes = new Set<string>();
  for await (const batch of r.scanStream({ match: `${glob(oldCursors)}*`, type: 'hash', count: 500 })) for (const k of batch as string[]) hashes.add(k);
  for (const hash of hashes) {
    // The channel part of the old key is already encoded, as it is in the new one.
    const channel = hash.slice(oldCursors.length);
    await moveHash(r, hash, (clientId) => `${prefix}cursor:${channel}:${encodeURIComponent(clientId)}`, cursors);
  }
  await moveHash(r, `${prefix}channels`, (channelId) => `${prefix}channel:${encodeURIComponent(channelId)}`, channels);
  return { cursors, channels };
}
