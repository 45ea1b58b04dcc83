-- cold-start: the tokens of rotate.lua, and a count of the 2xx responses completed before a deadline on the
-- monotonic clock (the replica's spawn + COLD_SECONDS, passed by coldstart.py), printed by done(), with the 2xx of
-- each BUCKET seconds since the spawn (the shape of the ramp-up: when the replica reaches its steady rate):
--   wrk ... -s coldstart.lua URL -- tokens.txt DEADLINE SPAWN
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } coldstart_timespec;
  int clock_gettime(int clock, coldstart_timespec *ts);
]]
local CLOCK_MONOTONIC = 1
local now_ts = ffi.new("coldstart_timespec")
local function now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, now_ts)
  return tonumber(now_ts.tv_sec) + tonumber(now_ts.tv_nsec) / 1e9
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

local tokens = {}
local i = 0
local deadline = 0
local spawn = 0
local BUCKET = 0.25
served = 0
late = 0
buckets = {}

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      tokens[#tokens + 1] = line
    end
  end
  deadline = tonumber(args[2])
  spawn = tonumber(args[3] or args[2])
  for b = 1, math.ceil((deadline - spawn) / BUCKET) do
    buckets[b] = 0
  end
end

function request()
  i = (i % #tokens) + 1
  return wrk.format("GET", "/api/x", { ["Authorization"] = "Bearer " .. tokens[i] })
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    local t = now()
    if t < deadline then
      served = served + 1
      local b = math.floor((t - spawn) / BUCKET) + 1
      if buckets[b] then
        buckets[b] = buckets[b] + 1
      end
    else
      late = late + 1
    end
  end
end

function done(summary, latency, requests)
  local total, after, sums = 0, 0, {}
  for _, thread in ipairs(threads) do
    total = total + thread:get("served")
    after = after + thread:get("late")
    for b, n in ipairs(thread:get("buckets")) do
      sums[b] = (sums[b] or 0) + n
    end
  end
  io.write(string.format("coldstart: served %d late %d\n", total, after))
  io.write(string.format("coldstart: buckets %s %s\n", BUCKET, table.concat(sums, ",")))
end
