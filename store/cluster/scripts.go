package cluster

import "github.com/gomodule/redigo/redis"

// Results of placeScript's first element.
const (
	placeOK       = 0
	placeBanned   = 1
	placeCooldown = 2 // second element: when the cooldown ends (ms)
	placeNoCanvas = 3 // Redis lost its data: restore before placing
)

// placeScript is the whole of a placement, atomically: ban check, cooldown
// check-and-set, canvas write, seq and stream append. The stream entry id is
// "<seq>-1", so stream ids and seqs are the same order and a reader can
// resume from any seq.
//
// KEYS: banned set, cooldown key, canvas, seq, stream.
// ARGV: user, x, y, color, canvas offset, now (ms), cooldown (ms).
var placeScript = redis.NewScript(5, `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return {1} end
local now = tonumber(ARGV[6])
local cooldown = tonumber(ARGV[7])
if cooldown > 0 then
  local ends = tonumber(redis.call('GET', KEYS[2]) or '0')
  if ends > now then return {2, ends} end
end
if redis.call('EXISTS', KEYS[3]) == 0 then return {3} end
if cooldown > 0 then redis.call('SET', KEYS[2], now + cooldown, 'PX', cooldown) end
redis.call('SETRANGE', KEYS[3], tonumber(ARGV[5]), string.char(tonumber(ARGV[4])))
local seq = redis.call('INCR', KEYS[4])
redis.call('XADD', KEYS[5], seq .. '-1', 'x', ARGV[2], 'y', ARGV[3], 'color', ARGV[4], 'user', ARGV[1], 'ts', ARGV[6], 'rb', '0')
return {0, seq}
`)

// rollbackScript writes a moderator's pixels, each with its own seq, without
// ban or cooldown checks. It returns the first seq, or -1 when the canvas
// is missing.
//
// KEYS: canvas, seq, stream.
// ARGV: actor, now (ms), width, then x, y, color for each pixel.
var rollbackScript = redis.NewScript(3, `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local width = tonumber(ARGV[3])
local n = (#ARGV - 3) / 3
local last = redis.call('INCRBY', KEYS[2], n)
local seq = last - n
for i = 4, #ARGV, 3 do
  seq = seq + 1
  redis.call('SETRANGE', KEYS[1], tonumber(ARGV[i+1]) * width + tonumber(ARGV[i]), string.char(tonumber(ARGV[i+2])))
  redis.call('XADD', KEYS[3], seq .. '-1', 'x', ARGV[i], 'y', ARGV[i+1], 'color', ARGV[i+2], 'user', ARGV[1], 'ts', ARGV[2], 'rb', '1')
end
return last - n + 1
`)

// canvasScript reads the canvas and the seq it includes in one step.
//
// KEYS: canvas, seq.
var canvasScript = redis.NewScript(2, `
return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2])}
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
