// Lua scripts that make each Store method one atomic step on the Redis server. None decodes or
// re-encodes a stored JSON payload: what JSON.stringify wrote is what is kept and read back.

/**
 * KEYS: seq, log, dedupe key (or ''); ARGV: the event's JSON text without its closing brace (from
 * JSON.stringify, so an object with at least one member), dedupe ttl seconds.
 * The text is never decoded here: cjson would turn [] into {} and print numbers with 14 digits. The
 * id is appended as the last member, as the memory store does.
 */
export const APPEND_EVENT = `
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
