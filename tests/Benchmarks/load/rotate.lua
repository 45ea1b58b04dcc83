-- Each request carries the next token of the file named after "--" (one token per line), so a run
-- cycles through all of them: wrk ... -s rotate.lua URL -- tokens.txt
local tokens = {}
local i = 0
local path = "/api/x"

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      tokens[#tokens + 1] = line
    end
  end
  if args[2] then
    path = args[2]
  end
  i = math.random(0, #tokens - 1) -- threads start at different places in the list
end

function request()
  i = (i % #tokens) + 1
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. tokens[i] })
end
