// Lua run atomically by the server. Every key a script touches is passed in KEYS (Dragonfly refuses
// undeclared keys); only standard commands are used, so Redis, Valkey and Dragonfly all run them.

/**
 * Sliding-window log on a sorted set, scored in milliseconds of the *server's* clock (TIME): every
 * process and every machine sharing the window measures against one clock, so client clock skew cannot
 * widen or narrow a limit. Members are unique per hit (ARGV[3]), so hits in one millisecond all count.
 * KEYS[1] window; ARGV[1] limit, ARGV[2] window ms, ARGV[3] member.
 * Returns {allowed 0|1, count, retry_after_ms}.
 */
export const SLIDING_WINDOW_HIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  local retry = window
  if limit > 0 then
    local freeing = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
    if freeing[2] then retry = tonumber(freeing[2]) + window - now end
  end
  if retry < 1 then retry = 1 end
  if count > 0 then redis.call('PEXPIRE', KEYS[1], window) end
  return {0, count, math.floor(retry)}
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return {1, count + 1, 0}
`;

/** GET + DEL in one step, for servers older than Redis 6.2 (no GETDEL). KEYS[1]. */
export const GET_AND_DELETE = `
local v = redis.call('GET', KEYS[1])
if v then redis.call('DEL', KEYS[1]) end
return v
`;
