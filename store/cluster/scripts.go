package cluster

import "github.com/gomodule/redigo/redis"

// Results of placeScript's first element.
const (
	placeOK       = 0
	placeBanned   = 1
	placeCooldown = 2 // second element: when the cooldown ends (ms)
	placeNoCanvas = 3 // Redis lost its data: restore before placing
	placeBudget   = 4 // second element: when the address may place again (ms)
	placeOutside  = 5 // second and third elements: the canvas's width and height
)

// placeScript makes placements, each the whole of a placement atomically:
// ban check (of the user and of the device), cooldown check-and-set (the
// later of the user's and the device's cooldowns; both are set), canvas
// write, seq and stream append. Several placements go in one call so that
// Redis pays the script overhead once per batch rather than per pixel; each
// is still checked on its own (two by the same user in one batch: the
// second meets the first's cooldown). The stream entry id is "<seq>-1", so
// stream ids and seqs are the same order and a reader can resume from any
// seq.
//
// The canvas offset of each pixel is computed here from the width in the
// meta hash, atomically with the write: an instance that has not yet
// learnt of a growth still places its pixels at their (x, y), and one that
// has not yet learnt of an undone growth has its pixels beyond the canvas
// refused ({5, width, height}).
//
// The address budget (place.AddressBudget.Take, the same steps) is
// checked after the cooldown: its key holds the ends of the cooldowns of
// the address's slots ("ms,ms,…", missing ones free); a placement takes
// the slot that ended first, if it has.
//
// KEYS: banned set, canvas, seq, stream, meta, then each placement's user
// cooldown key, device cooldown key (the user's again when the device is
// unknown) and address budget key (the user's when there is none).
// ARGV: for each placement: user, x, y, color, now (ms), cooldown (ms),
// device (place.DeviceKey, or the user again), team (0: none), the
// budget's players (0: no budget), the charges a player may store, the
// slack of a full player's clock (ms, place.ChargeSlack).
// Returns one {result, value} per placement: {0, seq, charge clock}, {1},
// {2, when a charge comes}, {3}, {4, when the address's first slot frees}
// or {5, width, height}.
//
// The cooldown keys hold each player's charge clock (place.Charges): a
// missing one is a player with one charge. With more than one charge the
// keys live a day beyond the clock, so that a player who comes back finds
// the charges earned meanwhile.
var placeScript = redis.NewScript(-1, `
local size = redis.call('HMGET', KEYS[5], 'width', 'height')
local width, height = tonumber(size[1] or '0'), tonumber(size[2] or '0')
local canvas = width > 0 and redis.call('EXISTS', KEYS[2]) == 1
local anyBanned = redis.call('SCARD', KEYS[1]) > 0
local seq = nil
local out = {}
for i = 1, (#KEYS - 5) / 3 do
  local a = (i - 1) * 11
  local user, device = ARGV[a+1], ARGV[a+7]
  local userKey, deviceKey, budgetKey = KEYS[3+3*i], KEYS[4+3*i], KEYS[5+3*i]
  local now, cooldown = tonumber(ARGV[a+5]), tonumber(ARGV[a+6])
  local players = tonumber(ARGV[a+9])
  local spare = (tonumber(ARGV[a+10]) - 1) * cooldown
  local clock = now
  if cooldown > 0 then
    local u, d = redis.call('GET', userKey), redis.call('GET', deviceKey)
    if u or d then
      clock = math.max(now - tonumber(ARGV[a+11]), tonumber(u or '0'), tonumber(d or '0'))
    else
      clock = now + spare
    end
  end
  local slots, first = {}, 1
  if players > 0 then
    local stored = {}
    for v in string.gmatch(redis.call('GET', budgetKey) or '', '%d+') do stored[#stored + 1] = tonumber(v) end
    for j = 1, players do
      slots[j] = stored[j] or 0
      if slots[j] < slots[first] then first = j end
    end
  end
  if anyBanned and (redis.call('SISMEMBER', KEYS[1], user) == 1 or redis.call('SISMEMBER', KEYS[1], device) == 1) then
    out[i] = {1}
  elseif clock - now > spare then
    out[i] = {2, clock - spare}
  elseif players > 0 and slots[first] > now then
    out[i] = {4, slots[first]}
  elseif not canvas then
    out[i] = {3}
  elseif tonumber(ARGV[a+2]) >= width or tonumber(ARGV[a+3]) >= height then
    out[i] = {5, width, height}
  else
    clock = clock + cooldown
    if cooldown > 0 then
      local ttl = clock - now
      if spare > 0 then ttl = ttl + 86400000 end
      redis.call('SET', userKey, clock, 'PX', ttl)
      redis.call('SET', deviceKey, clock, 'PX', ttl)
    end
    if players > 0 then
      slots[first] = now + cooldown
      redis.call('SET', budgetKey, table.concat(slots, ','), 'PX', cooldown)
    end
    redis.call('SETRANGE', KEYS[2], tonumber(ARGV[a+3]) * width + tonumber(ARGV[a+2]), string.char(tonumber(ARGV[a+4])))
    if not seq then seq = tonumber(redis.call('GET', KEYS[3]) or '0') end
    seq = seq + 1
    redis.call('XADD', KEYS[4], seq .. '-1', 'x', ARGV[a+2], 'y', ARGV[a+3], 'color', ARGV[a+4], 'user', user, 'ts', ARGV[a+5], 'rb', '0', 'team', ARGV[a+8])
    out[i] = {0, seq, clock}
  end
end
if seq then redis.call('SET', KEYS[3], seq) end
return out
`)

// rollbackScript writes a moderator's pixels, each with its own seq, without
// ban or cooldown checks. It returns the first seq, -1 when the canvas is
// missing, or -2 (writing nothing) when a pixel is beyond the canvas (made
// for the size before an undone growth).
//
// KEYS: canvas, seq, stream, meta.
// ARGV: actor, now (ms), kind (the stream entry's rb: 1 a rollback, 2 a
// wipe), then x, y, color for each pixel.
var rollbackScript = redis.NewScript(4, `
local size = redis.call('HMGET', KEYS[4], 'width', 'height')
local width, height = tonumber(size[1] or '0'), tonumber(size[2] or '0')
if width == 0 or redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
for i = 4, #ARGV, 3 do
  if tonumber(ARGV[i]) >= width or tonumber(ARGV[i+1]) >= height then return -2 end
end
local n = (#ARGV - 3) / 3
local last = redis.call('INCRBY', KEYS[2], n)
local seq = last - n
for i = 4, #ARGV, 3 do
  seq = seq + 1
  redis.call('SETRANGE', KEYS[1], tonumber(ARGV[i+1]) * width + tonumber(ARGV[i]), string.char(tonumber(ARGV[i+2])))
  redis.call('XADD', KEYS[3], seq .. '-1', 'x', ARGV[i], 'y', ARGV[i+1], 'color', ARGV[i+2], 'user', ARGV[1], 'ts', ARGV[2], 'rb', ARGV[3])
end
return last - n + 1
`)

// canvasScript reads the canvas, the seq it includes and its size in one
// step.
//
// KEYS: canvas, seq, meta.
var canvasScript = redis.NewScript(3, `
return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2]), redis.call('HGET', KEYS[3], 'width'), redis.call('HGET', KEYS[3], 'height')}
`)

// growScript lays the canvas out on a larger size, every pixel at its
// (x, y) and the new area white, and records the size, in one step: no
// placement runs between. It returns {seq, old width, old height}, or
// {-1} when the canvas is missing and {-2, width, height} when the new
// size does not cover the old one.
//
// KEYS: canvas, seq, meta. ARGV: new width, new height.
var growScript = redis.NewScript(3, `
local ow = tonumber(redis.call('HGET', KEYS[3], 'width') or '0')
local oh = tonumber(redis.call('HGET', KEYS[3], 'height') or '0')
if ow == 0 or redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
local nw, nh = tonumber(ARGV[1]), tonumber(ARGV[2])
if nw < ow or nh < oh then return {-2, ow, oh} end
local seq = tonumber(redis.call('GET', KEYS[2]) or '0')
if nw ~= ow then
  local old = redis.call('GET', KEYS[1])
  local pad = string.rep('\0', nw - ow)
  local rows = {}
  for y = 0, oh - 1 do
    rows[#rows + 1] = string.sub(old, y * ow + 1, (y + 1) * ow) .. pad
  end
  redis.call('SET', KEYS[1], table.concat(rows))
end
if nh > oh then
  redis.call('SETRANGE', KEYS[1], nw * nh - 1, '\0')
end
redis.call('HSET', KEYS[3], 'width', nw, 'height', nh)
return {seq, ow, oh}
`)

// shrinkScript undoes a growth in Redis: it crops the canvas to the size
// before it, unless a placement in the stream after the last seq that
// PostgreSQL was checked up to lies in the area the growth added. It
// returns {seq}, or {-1} when the canvas is missing, {-2, width, height}
// when the canvas is not of the grown size, {-3, seq, x, y} for a
// placement in the added area and {-4} when the stream does not hold every
// placement after the checked one.
//
// KEYS: canvas, seq, meta, stream. ARGV: width and height before the
// growth, width and height after it, the checked seq.
var shrinkScript = redis.NewScript(4, `
local size = redis.call('HMGET', KEYS[3], 'width', 'height')
local w, h = tonumber(size[1] or '0'), tonumber(size[2] or '0')
if w == 0 or redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
if w ~= tonumber(ARGV[3]) or h ~= tonumber(ARGV[4]) then return {-2, w, h} end
local fw, fh, checked = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[5])
local seq = tonumber(redis.call('GET', KEYS[2]) or '0')
local expect = checked + 1
for _, e in ipairs(redis.call('XRANGE', KEYS[4], expect .. '-1', '+')) do
  if tonumber(string.match(e[1], '^%d+')) ~= expect then return {-4} end
  local x, y
  for i = 1, #e[2], 2 do
    if e[2][i] == 'x' then x = tonumber(e[2][i+1]) elseif e[2][i] == 'y' then y = tonumber(e[2][i+1]) end
  end
  if x >= fw or y >= fh then return {-3, expect, x, y} end
  expect = expect + 1
end
if expect <= seq then return {-4} end
local old = redis.call('GET', KEYS[1])
local rows = {}
for r = 0, fh - 1 do rows[#rows + 1] = string.sub(old, r * w + 1, r * w + fw) end
redis.call('SET', KEYS[1], table.concat(rows))
redis.call('HSET', KEYS[3], 'width', fw, 'height', fh)
return {seq}
`)

// extendCooldownScript moves a cooldown end later, never earlier.
//
// KEYS: cooldown key. ARGV: end (ms), time to live (ms).
var extendCooldownScript = redis.NewScript(1, `
local ends = tonumber(redis.call('GET', KEYS[1]) or '0')
if ends >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)

// counterScript counts in a fixed window that starts with the first hit.
// It returns the count and the milliseconds left in the window.
//
// KEYS: counter. ARGV: window (ms).
var counterScript = redis.NewScript(1, `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
`)

// addSessionScript records a session token for a user, drops expired ones
// and lets the whole index expire with its last session.
//
// KEYS: user's session index. ARGV: token, expiry (ms), now (ms).
var addSessionScript = redis.NewScript(1, `
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then redis.call('PEXPIREAT', KEYS[1], math.floor(tonumber(last[2]))) end
return 1
`)

// unlockScript releases a lock only if this instance still holds it.
//
// KEYS: lock. ARGV: token.
var unlockScript = redis.NewScript(1, `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)
