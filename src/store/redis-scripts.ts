// Lua scripts that make each Store method one atomic step on the Redis server.

/** KEYS: seq, log, dedupe key (or ''); ARGV: event JSON without id, dedupe ttl seconds. */
export const APPEND_EVENT = `
if KEYS[3] ~= '' then
  local earlier = redis.call('GET', KEYS[3])
  if earlier then return earlier end
end
local id = redis.call('INCR', KEYS[1])
local event = cjson.decode(ARGV[1])
event['id'] = id
local stored = cjson.encode(event)
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
