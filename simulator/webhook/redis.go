package webhook

import "github.com/redis/go-redis/v9"

// The Redis mode's layout. A delivery is named sandbox-wide by its
// member, "SCOPEPREFIX|ID" (session names never hold "|"); a session's
// reorder burst by "SCOPEPREFIX|@burst".
//
// Sandbox-wide (Options.State's prefix, then the sandbox-wide hash tag
// {g}, state.GlobalTag: the whole queue, every session's delivery keys
// included, is one slot of a Redis Cluster, so each script runs on one
// node):
//
//	{g}:wh:due     sorted set member → when its next attempt is due
//	                   (unix ms, Options.Clock): what any replica may claim
//	{g}:wh:inflight sorted set member → lease deadline (unix ms, wall
//	                   clock): claimed, being sent by one replica
//	{g}:wh:pending sorted set (all scores 0, ordered by name) of every
//	                   pending delivery: Pending, MaxPending, and a
//	                   session's share by its prefix
//	{g}:wh:kept    list of every delivery recorded, oldest first
//	                   (MaxRecords)
//
// Per session (under its Scope's WebhookPrefix, {g}:s:NAME/GEN:, which
// the Scope's Purge removes with the rest of the session):
//
//	wh:url      the session's own receiver
//	wh:seq      counter: delivery ids wh_1, wh_2, …
//	wh:ids      sorted set id → seq: the deliveries kept (Keep), in order
//	wh:d:ID     hash: one delivery (fields below)
//	wh:dropped  counter: deliveries forgotten past Keep or MaxRecords
//	wh:q        list: the pending deliveries in publication order
//	            (ordered mode); its head alone is due or in flight
//	wh:burst    list: deliveries a reorder fault holds
//	wh:live     marker: missing once the session is gone (Release) or
//	            purged, which every script takes as "drop its deliveries"
//
// A delivery's hash: id vendor event subject url ref secret body created
// (unix ns) scenario fault copy bad age (ns) state err next (unix ms of
// the next attempt while waiting) attempts (JSON array) na (attempts
// made) n (the retry schedule's next attempt number) delay (ms before its
// first attempt, applied when it reaches its queue's head) claim (the
// token of the replica sending it) orphan ("1": forgotten past Keep while
// pending; removed when it finishes).
//
// The scripts build the session keys from the member: they stay in the
// queue's slot, so they hold on a Redis Cluster too.

// lib is the scripts' shared head: KEYS are due, inflight, pending, kept;
// ARGV[1] is the clock's now (unix ms, rounded down), ARGV[2] "1" when
// ordered, ARGV[3] 1 when now has a fraction of a millisecond (a wait
// then ends at NOW + wait + 1: never before it is over).
const lib = `
local DUE, INFLIGHT, PENDING, KEPT = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local NOW, ORDERED, FRAC = tonumber(ARGV[1]), ARGV[2] == '1', tonumber(ARGV[3])
local function after(wait) if wait > 0 then return NOW + wait + FRAC end return NOW end
local function split(m) return string.match(m, '^(.*)|([^|]*)$') end
local function rec(p, id) return p .. 'wh:d:' .. id end
-- promote makes the head of a session's queue due, after its delay.
local function promote(p, id)
  local r = rec(p, id)
  local wait = tonumber(redis.call('HGET', r, 'delay') or '0') or 0
  local at = after(wait)
  if wait > 0 then redis.call('HSET', r, 'next', at) end
  redis.call('HSET', r, 'delay', 0)
  redis.call('ZADD', DUE, at, p .. '|' .. id)
end
-- schedule hands a pending delivery to delivery: behind the session's
-- earlier ones (ordered), or due after wait ms.
local function schedule(p, id, wait)
  if ORDERED then
    redis.call('HSET', rec(p, id), 'delay', wait)
    if redis.call('RPUSH', p .. 'wh:q', id) == 1 then promote(p, id) end
  else
    local at = after(wait)
    if wait > 0 then redis.call('HSET', rec(p, id), 'next', at) end
    redis.call('ZADD', DUE, at, p .. '|' .. id)
  end
end
-- advance takes a finished delivery off its session's queue: the next
-- one becomes due.
local function advance(p, id)
  local q = p .. 'wh:q'
  if redis.call('LINDEX', q, 0) == id then
    redis.call('LPOP', q)
    local nxt = redis.call('LINDEX', q, 0)
    if nxt then promote(p, nxt) end
  else
    redis.call('LREM', q, 1, id)
  end
end
-- gone forgets a departed session's pending deliveries.
local function gone(p)
  redis.call('ZREMRANGEBYLEX', PENDING, '[' .. p .. '|', '(' .. p .. '}')
end
`

// publishScript records one event's deliveries (copies for a duplicate
// fault) and schedules the pending ones, applying Keep and MaxRecords. It
// returns id, state for each.
var publishScript = redis.NewScript(lib + `
local p, defURL, event, created = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local maxPending, keep, maxRecords = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local kind, delay, window, copies = ARGV[11], tonumber(ARGV[12]), tonumber(ARGV[13]), tonumber(ARGV[14])
local url = redis.call('GET', p .. 'wh:url')
if not url or url == '' then url = defURL end
local target = ''
if url ~= '' then
  if string.sub(url, -1) == '/' then url = string.sub(url, 1, -2) end
  target = url .. event
end
redis.call('SET', p .. 'wh:live', '1')
local pendingBefore = redis.call('ZCARD', PENDING)
local ids = p .. 'wh:ids'
local out = {}
for i = 1, copies do
  local seq = redis.call('INCR', p .. 'wh:seq')
  local id = 'wh_' .. seq
  local st, err = 'pending', ''
  if kind == 'drop' then st, err = 'dropped', ARGV[23]
  elseif url == '' then st, err = 'undelivered', ARGV[24]
  elseif pendingBefore >= maxPending then st, err = 'undelivered', ARGV[25] end
  local cp = 0
  if copies > 1 then cp = i end
  redis.call('HSET', rec(p, id), 'id', id, 'vendor', ARGV[15], 'event', event, 'subject', ARGV[16], 'url', target,
    'ref', ARGV[17], 'secret', ARGV[18], 'body', ARGV[19], 'created', created, 'scenario', ARGV[20],
    'fault', ARGV[21], 'copy', cp, 'bad', ARGV[22], 'age', ARGV[26], 'state', st, 'err', err, 'n', 1, 'na', 0)
  redis.call('ZADD', ids, seq, id)
  if redis.call('ZCARD', ids) > keep then
    -- forget the oldest finished delivery, or the oldest of all
    local victim, from = nil, 0
    while not victim do
      local chunk = redis.call('ZRANGE', ids, from, from + 31)
      if #chunk == 0 then break end
      for _, x in ipairs(chunk) do
        if redis.call('HGET', rec(p, x), 'state') ~= 'pending' then victim = x break end
      end
      from = from + 32
    end
    if not victim then victim = redis.call('ZRANGE', ids, 0, 0)[1] end
    redis.call('ZREM', ids, victim)
    redis.call('INCR', p .. 'wh:dropped')
    if redis.call('HGET', rec(p, victim), 'state') == 'pending' then
      redis.call('HSET', rec(p, victim), 'orphan', '1')
    else
      redis.call('DEL', rec(p, victim))
    end
  end
  if st == 'pending' then
    redis.call('ZADD', PENDING, 0, p .. '|' .. id)
    if kind == 'reorder' then
      if redis.call('RPUSH', p .. 'wh:burst', id) == 1 then
        redis.call('ZADD', DUE, after(window), p .. '|@burst')
      end
    else
      schedule(p, id, delay)
    end
  end
  redis.call('RPUSH', KEPT, p .. '|' .. id)
  out[#out + 1] = id
  out[#out + 1] = st
end
while redis.call('LLEN', KEPT) > maxRecords do
  local m = redis.call('LPOP', KEPT)
  local q, id = split(m)
  local r = rec(q, id)
  local st = redis.call('HGET', r, 'state')
  if st and st ~= 'pending' and redis.call('ZSCORE', q .. 'wh:ids', id) then
    redis.call('ZREM', q .. 'wh:ids', id)
    redis.call('DEL', r)
    redis.call('INCR', q .. 'wh:dropped')
  end
end
return out
`)

// claimScript makes attempts whose lease ran out due again, then claims
// up to ARGV[6] due attempts for one replica: each moves from due to
// inflight with the lease deadline ARGV[5] and the claim's token. A burst
// whose window is over is released into its session's queue (newest
// first); a departed session's deliveries are dropped. It returns the
// claims ({member, token, hash}: the sessions' clocks are read beside,
// from their own slots), the next due time and the next lease deadline
// ("" when none).
var claimScript = redis.NewScript(lib + `
local realNow, leaseUntil, limit, tokenBase = tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6]), ARGV[7]
for _, m in ipairs(redis.call('ZRANGEBYSCORE', INFLIGHT, '-inf', realNow, 'LIMIT', 0, 256)) do
  redis.call('ZREM', INFLIGHT, m)
  redis.call('ZADD', DUE, NOW, m)
end
local function burst(p)
  local b = p .. 'wh:burst'
  local items = redis.call('LRANGE', b, 0, -1)
  redis.call('DEL', b)
  for i = #items, 1, -1 do
    if ORDERED then schedule(p, items[i], 0)
    else redis.call('ZADD', DUE, NOW - i, p .. '|' .. items[i]) end
  end
end
local out, n = {}, 0
while n < limit do
  local jobs = redis.call('ZRANGEBYSCORE', DUE, '-inf', NOW, 'LIMIT', 0, limit - n)
  if #jobs == 0 then break end
  for _, m in ipairs(jobs) do
    redis.call('ZREM', DUE, m)
    local p, id = split(m)
    if redis.call('EXISTS', p .. 'wh:live') == 0 then
      gone(p)
    elseif id == '@burst' then
      burst(p)
    else
      local r = rec(p, id)
      if redis.call('HGET', r, 'state') ~= 'pending' then
        if ORDERED then advance(p, id) end
      else
        n = n + 1
        local token = tokenBase .. ':' .. n
        redis.call('HSET', r, 'claim', token)
        redis.call('ZADD', INFLIGHT, leaseUntil, m)
        out[#out + 1] = {m, token, redis.call('HGETALL', r)}
      end
    end
  end
end
local nd = redis.call('ZRANGE', DUE, 0, 0, 'WITHSCORES')
local nl = redis.call('ZRANGE', INFLIGHT, 0, 0, 'WITHSCORES')
return {out, nd[2] or '', nl[2] or ''}
`)

// resultScript records a claimed attempt's answer when the claim is still
// the replica's (its token): the attempt is appended, then the delivery is
// due again at ARGV[9] (a retry, attempt ARGV[10] next) or finished with
// state ARGV[7] (the session's next delivery becoming due). It returns 1
// when recorded, 0 when the claim was lost.
var resultScript = redis.NewScript(lib + `
local m, token = ARGV[4], ARGV[5]
local p, id = split(m)
local r = rec(p, id)
if redis.call('HGET', r, 'claim') ~= token then return 0 end
redis.call('ZREM', INFLIGHT, m)
redis.call('ZREM', DUE, m)
redis.call('HDEL', r, 'claim', 'next')
if redis.call('EXISTS', p .. 'wh:live') == 0 then gone(p) return 0 end
if redis.call('HGET', r, 'state') ~= 'pending' then return 0 end
local a = redis.call('HGET', r, 'attempts')
if not a or a == '' then a = '[' .. ARGV[6] .. ']' else a = string.sub(a, 1, -2) .. ',' .. ARGV[6] .. ']' end
redis.call('HSET', r, 'attempts', a)
redis.call('HINCRBY', r, 'na', 1)
if ARGV[7] == '' then
  redis.call('HSET', r, 'n', ARGV[10], 'next', ARGV[9])
  redis.call('ZADD', DUE, ARGV[9], m)
else
  redis.call('HSET', r, 'state', ARGV[7], 'err', ARGV[8])
  redis.call('ZREM', PENDING, m)
  if redis.call('HGET', r, 'orphan') == '1' then redis.call('DEL', r) end
  if ORDERED then advance(p, id) end
end
return 1
`)

// redeliverScript schedules a finished delivery again with a fresh
// retry schedule, to the session's current receiver: {"ok", hash}, or
// {"none"}, {"pending"}, {"nourl"}.
var redeliverScript = redis.NewScript(lib + `
local p, id, defURL = ARGV[4], ARGV[5], ARGV[6]
local r = rec(p, id)
if not redis.call('ZSCORE', p .. 'wh:ids', id) then return {'none'} end
local st = redis.call('HGET', r, 'state')
if not st then return {'none'} end
if st == 'pending' then return {'pending'} end
local url = redis.call('GET', p .. 'wh:url')
if not url or url == '' then url = defURL end
if url == '' then return {'nourl'} end
if string.sub(url, -1) == '/' then url = string.sub(url, 1, -2) end
redis.call('HSET', r, 'url', url .. redis.call('HGET', r, 'event'), 'state', 'pending', 'err', '', 'n', 1)
redis.call('SET', p .. 'wh:live', '1')
redis.call('ZADD', PENDING, 0, p .. '|' .. id)
local view = redis.call('HGETALL', r)
schedule(p, id, 0)
return {'ok', view}
`)

// viewScript reads one delivery ({hash, queued 0/1}, or {} when there is
// no such delivery), or, with ARGV[5] "", every kept one: {forgotten,
// the queued ids, hash, hash, …} oldest first.
var viewScript = redis.NewScript(lib + `
local p, id = ARGV[4], ARGV[5]
local ids = p .. 'wh:ids'
if id ~= '' then
  if not redis.call('ZSCORE', ids, id) then return {} end
  local pos = redis.call('LPOS', p .. 'wh:q', id)
  local queued = 0
  if pos and pos > 0 then queued = 1 end
  return {redis.call('HGETALL', rec(p, id)), queued}
end
local out = {redis.call('GET', p .. 'wh:dropped') or '0', redis.call('LRANGE', p .. 'wh:q', 1, -1)}
for _, x in ipairs(redis.call('ZRANGE', ids, 0, -1)) do
  out[#out + 1] = redis.call('HGETALL', rec(p, x))
end
return out
`)

// clearScript forgets the session's finished deliveries.
var clearScript = redis.NewScript(lib + `
local p = ARGV[4]
local ids = p .. 'wh:ids'
for _, x in ipairs(redis.call('ZRANGE', ids, 0, -1)) do
  if redis.call('HGET', rec(p, x), 'state') ~= 'pending' then
    redis.call('ZREM', ids, x)
    redis.call('DEL', rec(p, x))
  end
end
return 0
`)

// releaseScript marks a departed session's pending deliveries
// undelivered and takes them off the pending count; their due entries
// are dropped when claimed (the session is no longer live).
var releaseScript = redis.NewScript(lib + `
local p, why = ARGV[4], ARGV[5]
redis.call('DEL', p .. 'wh:live')
for _, m in ipairs(redis.call('ZRANGEBYLEX', PENDING, '[' .. p .. '|', '(' .. p .. '}')) do
  local _, id = split(m)
  if redis.call('EXISTS', rec(p, id)) == 1 then
    redis.call('HSET', rec(p, id), 'state', 'undelivered', 'err', why)
  end
end
gone(p)
return 0
`)

// shiftScript makes a session's waiting attempts (and its reorder burst)
// due ARGV[5] ms earlier: its clock was advanced that far, and due times
// are kept on the sandbox's clock. What is due by then is claimed at once.
var shiftScript = redis.NewScript(lib + `
local p, by = ARGV[4], tonumber(ARGV[5])
local n = 0
local members = redis.call('ZRANGEBYLEX', PENDING, '[' .. p .. '|', '(' .. p .. '}')
members[#members + 1] = p .. '|@burst'
for _, m in ipairs(members) do
  local at = redis.call('ZSCORE', DUE, m)
  if at then
    local due = math.max(tonumber(at) - by, NOW)
    redis.call('ZADD', DUE, due, m)
    local _, id = split(m)
    if id ~= '@burst' and redis.call('HGET', rec(p, id), 'next') then redis.call('HSET', rec(p, id), 'next', due) end
    n = n + 1
  end
end
return n
`)
