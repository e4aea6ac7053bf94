#pragma once
// The Redis backend's two scripts. Neither holds a rule of the task lifecycle: `kApply` writes
// a batch of commands only if its preconditions still hold (compare-and-set), and `kClaimRead`
// gathers what a claim looks at in one round trip. The decisions are made in C++ by
// lifecycle.h between the two. Loaded once per connection pool, run by EVALSHA.
//
// Internal to core/store/redis. Pure data.

namespace nmcp::store::redis {

// KEYS: every key the batch touches.
// ARGV: nchecks, then per check: key index, kind, expected
//         kind "v": GET key == expected;  "x": key absent;  "l": HGET key field (0 when
//         absent) below <value>, as "field\x1fvalue"
//       nops, then per op: command, key index, nargs, args...
// Returns {"ok"} or {"conflict", check number, the key's current value (or false)}.
inline constexpr const char* kApply = R"lua(
local n = tonumber(ARGV[1])
local i = 2
for c = 1, n do
  local key = KEYS[tonumber(ARGV[i])]
  local kind = ARGV[i + 1]
  local want = ARGV[i + 2]
  i = i + 3
  if kind == 'l' then
    local sep = string.find(want, '\31', 1, true)
    local field = string.sub(want, 1, sep - 1)
    local bound = tonumber(string.sub(want, sep + 1))
    local have = redis.call('HGET', key, field)
    if tonumber(have or '0') >= bound then return {'conflict', c, have} end
  else
    local have = redis.call('GET', key)
    if kind == 'x' then
      if have then return {'conflict', c, have} end
    elseif have ~= want then
      return {'conflict', c, have}
    end
  end
end
local ops = tonumber(ARGV[i])
i = i + 1
for o = 1, ops do
  local cmd = ARGV[i]
  local key = KEYS[tonumber(ARGV[i + 1])]
  local nargs = tonumber(ARGV[i + 2])
  i = i + 3
  local args = {}
  for a = 1, nargs do
    args[a] = ARGV[i]
    i = i + 1
  end
  redis.call(cmd, key, unpack(args))
end
return {'ok'}
)lua";

// KEYS[1]: the running-per-instance hash; KEYS[2]: the lease set; then per offered pool its
// queue and its backoff set.
// ARGV[1]: now (ms); ARGV[2]: how many candidates at most per pool; ARGV[3]: the task key
// prefix; ARGV[4]: the hold key prefix; ARGV[5]: how long a hold lasts (ms); ARGV[6]: this
// claim's token.
// Returns {running (flat field/value list), ids, docs}: the oldest due queued tasks of each pool
// (those in backoff skipped by their score, without reading them) and the running tasks whose
// lease expired, with their documents (false for a missing one). Each candidate returned is held
// for this claim (SET NX PX on its hold key) and candidates another claim holds are passed
// over, so that concurrent claimers read different tasks instead of all racing for the oldest.
// A hold decides nothing: the write is still a compare-and-set (kApply), and the claim deletes
// its holds when it writes (or expires them when it dies).
inline constexpr const char* kClaimRead = R"lua(
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local hold = ARGV[4]
local hold_ms = ARGV[5]
local token = ARGV[6]
local ids = {}
local function take(id)
  if redis.call('SET', hold .. id, token, 'NX', 'PX', hold_ms) then
    ids[#ids + 1] = id
    return true
  end
  return false
end
local npools = (#KEYS - 2) / 2
for p = 1, npools do
  local queue = KEYS[1 + 2 * p]
  local delay = KEYS[2 + 2 * p]
  local taken = 0
  local offset = 0
  while taken < limit do
    local batch = redis.call('ZRANGE', queue, offset, offset + limit - 1)
    if #batch == 0 then break end
    for _, id in ipairs(batch) do
      local due = redis.call('ZSCORE', delay, id)
      if (not due or tonumber(due) <= now) and take(id) then
        taken = taken + 1
        if taken >= limit then break end
      end
    end
    offset = offset + #batch
    if offset >= 8 * limit + 64 then break end
  end
end
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. now, 'LIMIT', 0, 4 * limit)
local sweep = 0
for _, id in ipairs(expired) do
  if sweep < limit and take(id) then sweep = sweep + 1 end
end
local docs = {}
for k, id in ipairs(ids) do docs[k] = redis.call('GET', ARGV[3] .. id) end
return {redis.call('HGETALL', KEYS[1]), ids, docs}
)lua";

}  // namespace nmcp::store::redis
