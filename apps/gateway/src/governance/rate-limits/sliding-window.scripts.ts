/**
 * A sliding one-minute window per limit, in one-second buckets (a hash: second -> amount), so the
 * count is exact to the second and a check reads at most 60 fields. Runs atomically in Redis: two
 * gateway instances consume from one window.
 *
 * KEYS: one hash per limit. ARGV: now (unix seconds), window seconds; then per limit: limit, cost.
 * Returns {1, used1, oldest1, used2, oldest2...} when every limit had room (and all were charged);
 * {0, i, retryAfterSeconds, used} for the first limit without room (nothing charged). Retry-after
 * is -1 when the cost alone exceeds the limit.
 */
export const CONSUME_SCRIPT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local n = #KEYS
local used = {}
local oldest = {}
for i = 1, n do
  local limit = tonumber(ARGV[1 + 2 * i])
  local cost = tonumber(ARGV[2 + 2 * i])
  local fields = redis.call('HGETALL', KEYS[i])
  local sum = 0
  local live = {}
  for j = 1, #fields, 2 do
    local second = tonumber(fields[j])
    if second <= now - window then
      redis.call('HDEL', KEYS[i], fields[j])
    else
      local amount = tonumber(fields[j + 1])
      sum = sum + amount
      live[#live + 1] = {second, amount}
    end
  end
  if sum + cost > limit then
    if cost > limit then return {0, i, -1, sum} end
    table.sort(live, function(a, b) return a[1] < b[1] end)
    local freed = 0
    for _, bucket in ipairs(live) do
      freed = freed + bucket[2]
      if sum - freed + cost <= limit then return {0, i, bucket[1] + window - now, sum} end
    end
    return {0, i, window, sum}
  end
  used[i] = sum
  local first = now
  for _, bucket in ipairs(live) do if bucket[1] < first then first = bucket[1] end end
  oldest[i] = first
end
local out = {1}
for i = 1, n do
  local cost = tonumber(ARGV[2 + 2 * i])
  if cost > 0 then
    redis.call('HINCRBY', KEYS[i], now, cost)
    redis.call('EXPIRE', KEYS[i], window + 1)
  end
  out[#out + 1] = used[i] + cost
  out[#out + 1] = oldest[i]
end
return out
`;

/**
 * Corrects a charge once the real amount is known (tokens after the reply). KEYS: the hash.
 * ARGV: the second charged, delta. A bucket already out of the window is left alone.
 */
export const ADJUST_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  local v = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
  if v <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
end
return 1
`;
