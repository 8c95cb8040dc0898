/**
 * Lua run atomically inside Redis, so every gateway instance sees one spend per budget window.
 * Amounts are integer nano-dollars: INCRBY is exact where INCRBYFLOAT would drift.
 *
 * Each counter has four keys: the window's total (settled spend plus reservations in flight), the
 * hour buckets of a rolling window (hash hour -> amount) with their index (sorted set), and the
 * flag that makes the soft alert fire once per window.
 */

/**
 * KEYS: 4 per counter. ARGV: counters, reservation, current hour; then per counter: cap, rolling
 * (1/0), oldest hour still in the window, TTL in seconds.
 * Returns {-1, i...}: counters to seed first (nothing reserved); {0, i, spent}: counter i is at or
 * over its cap (nothing reserved); {1, total...}: reserved, totals after.
 */
export const RESERVE_SCRIPT = `
local n = tonumber(ARGV[1])
local amount = tonumber(ARGV[2])
local hour = ARGV[3]
local missing = {}
for i = 1, n do
  if redis.call('EXISTS', KEYS[4 * i - 3]) == 0 then missing[#missing + 1] = i end
end
if #missing > 0 then
  table.insert(missing, 1, -1)
  return missing
end
local totals = {}
for i = 1, n do
  local a = 3 + (i - 1) * 4
  local cap = tonumber(ARGV[a + 1])
  local total, hours, index = KEYS[4 * i - 3], KEYS[4 * i - 2], KEYS[4 * i - 1]
  if ARGV[a + 2] == '1' then
    local old = redis.call('ZRANGEBYSCORE', index, '-inf', '(' .. ARGV[a + 3])
    for _, h in ipairs(old) do
      local v = tonumber(redis.call('HGET', hours, h) or '0')
      if v ~= 0 then redis.call('DECRBY', total, v) end
      redis.call('HDEL', hours, h)
    end
    if #old > 0 then redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. ARGV[a + 3]) end
  end
  local spent = tonumber(redis.call('GET', total))
  if spent >= cap then return {0, i, spent} end
  totals[i] = spent
end
for i = 1, n do
  local a = 3 + (i - 1) * 4
  local ttl = tonumber(ARGV[a + 4])
  local total, hours, index = KEYS[4 * i - 3], KEYS[4 * i - 2], KEYS[4 * i - 1]
  totals[i] = redis.call('INCRBY', total, amount)
  redis.call('EXPIRE', total, ttl)
  if ARGV[a + 2] == '1' then
    redis.call('HINCRBY', hours, hour, amount)
    redis.call('ZADD', index, hour, hour)
    redis.call('EXPIRE', hours, ttl)
    redis.call('EXPIRE', index, ttl)
  end
end
table.insert(totals, 1, 1)
return totals
`;

/**
 * KEYS: 4 per counter. ARGV: counters, delta (actual minus reserved, may be negative), the hour
 * the reservation went into; then per counter: rolling (1/0), alert threshold (0: none), TTL.
 * A counter whose key is gone (expired long after its window) is left alone rather than recreated
 * with a partial amount. Returns per counter: {total, alerted (1 the first time the threshold is
 * reached in this window)}.
 */
export const SETTLE_SCRIPT = `
local n = tonumber(ARGV[1])
local delta = tonumber(ARGV[2])
local hour = ARGV[3]
local out = {}
for i = 1, n do
  local a = 3 + (i - 1) * 3
  local total, hours, alert = KEYS[4 * i - 3], KEYS[4 * i - 2], KEYS[4 * i]
  local threshold = tonumber(ARGV[a + 2])
  local ttl = tonumber(ARGV[a + 3])
  local now = 0
  local alerted = 0
  if redis.call('EXISTS', total) == 1 then
    now = redis.call('INCRBY', total, delta)
    if ARGV[a + 1] == '1' and redis.call('HEXISTS', hours, hour) == 1 then redis.call('HINCRBY', hours, hour, delta) end
    if threshold > 0 and now >= threshold then
      if redis.call('SET', alert, '1', 'NX', 'EX', ttl) then alerted = 1 end
    end
  end
  out[#out + 1] = now
  out[#out + 1] = alerted
end
return out
`;

/**
 * Seeds a counter from Postgres (after a Redis restart, or at a window's first request) unless
 * another instance did first. KEYS: total, hours, index. ARGV: rolling (1/0), TTL, total, then
 * hour/amount pairs for a rolling window.
 */
export const SEED_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[3], 'EX', ttl)
if ARGV[1] == '1' then
  for j = 4, #ARGV, 2 do
    redis.call('HSET', KEYS[2], ARGV[j], ARGV[j + 1])
    redis.call('ZADD', KEYS[3], ARGV[j], ARGV[j])
  end
  if #ARGV >= 4 then
    redis.call('EXPIRE', KEYS[2], ttl)
    redis.call('EXPIRE', KEYS[3], ttl)
  end
end
return 1
`;
