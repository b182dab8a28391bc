// Lua scripts that make each capability method one atomic step on the Redis server. None decodes or
// re-encodes a stored JSON payload: what JSON.stringify wrote is what is kept and read back.

/**
 * KEYS: seq, log, dedupe key (or ''); ARGV: the entry's JSON text without its closing brace (from
 * JSON.stringify, so an object with at least one member), dedupe ttl seconds.
 * The text is never decoded here: cjson would turn [] into {} and print numbers with 14 digits. The
 * id is appended as the last member, as the memory store does.
 */
export const APPEND_TO_LOG = `
if KEYS[3] ~= '' then
  local earlier = redis.call('GET', KEYS[3])
  if earlier then return earlier end
end
local id = redis.call('INCR', KEYS[1])
local stored = ARGV[1] .. ',"id":' .. string.format('%d', id) .. '}'
redis.call('RPUSH', KEYS[2], stored)
if KEYS[3] ~= '' then redis.call('SET', KEYS[3], stored, 'EX', tonumber(ARGV[2])) end
return stored`;

/** KEYS: queue, dedupe key (or ''); ARGV: item, dedupe ttl seconds. */
export const ENQUEUE = `
if KEYS[2] ~= '' then
  if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', tonumber(ARGV[2])) then return 0 end
end
redis.call('RPUSH', KEYS[1], ARGV[1])
return 1`;

/** Compare-and-set: KEYS: key; ARGV: expected JSON ('' = absent), new JSON. */
export const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0`;

/** Presence: KEYS: zset; ARGV: member, now ms, expiry ms (empty: remove), ttl ms. Returns count. */
export const PRESENCE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if ARGV[3] ~= '' then
  redis.call('ZADD', KEYS[1], tonumber(ARGV[3]), ARGV[1])
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
return redis.call('ZCARD', KEYS[1])`;

// Leased jobs (the messenger's pending webhooks). KEYS, in every script below: due (zset: job key
// -> when its lease runs out, ms of the server clock), jobs (hash: job key -> job JSON), owners (hash: job key -> holder),
// attempts (hash: job key -> failed attempts). Leases are timed by Redis's TIME, so gateway clocks
// need not agree. A job key is its sequence number, zero-padded so that zset ties sort by age.
const NOW_MS = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)`;

/** KEYS: due, jobs, owners, attempts, seq, id key; ARGV: job JSON, owner, lease ms, id ttl seconds. Returns the key or nil. */
export const ADD_LEASED_JOB = `${NOW_MS}
if not redis.call('SET', KEYS[6], '1', 'NX', 'EX', tonumber(ARGV[4])) then return false end
local key = string.format('%016d', redis.call('INCR', KEYS[5]))
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), key)
redis.call('HSET', KEYS[2], key, ARGV[1])
redis.call('HSET', KEYS[3], key, ARGV[2])
redis.call('HSET', KEYS[4], key, 0)
return key`;

/** KEYS: due, jobs, owners, attempts; ARGV: owner, lease ms, limit. Returns key, job, attempts, key, ... */
export const CLAIM_LEASED_JOBS = `${NOW_MS}
local keys = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
local claimed = {}
for _, key in ipairs(keys) do
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), key)
  redis.call('HSET', KEYS[3], key, ARGV[1])
  table.insert(claimed, key)
  table.insert(claimed, redis.call('HGET', KEYS[2], key))
  table.insert(claimed, redis.call('HGET', KEYS[4], key))
end
return claimed`;

/** KEYS: due, jobs, owners, attempts; ARGV: key, owner, lease ms, attempts. Returns 1 when held. */
export const HOLD_LEASED_JOB = `${NOW_MS}
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[4])
return 1`;

/** KEYS: due, jobs, owners, attempts; ARGV: key, owner. Returns 1 when it was held and is deleted. */
export const FINISH_LEASED_JOB = `
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
return 1`;
/** Fixed-window counter: KEYS: window; ARGV: window ms. Returns {hits so far, ms until it closes}. */
export const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;
