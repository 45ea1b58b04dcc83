-- DPoP requests: each sends a pre-generated proof once (a proof is single-use: a second use is a replay, 401).
-- wrk ... -s dpop.lua URL -- dpop-tokens.txt proofs.txt
-- Proof j (1-based line) was signed by client (j - 1) mod N for token line (j - 1) mod N + 1 (BenchTokens dpop-proofs),
-- so request j carries "Authorization: DPoP <that token>" and "DPoP: <proof j>". One wrk thread (-t1): each thread
-- has its own copy of the list, so two threads would send every proof twice. When the proofs run out the list starts
-- over: those requests are replays and show as non-2xx (run.sh sizes the file so that it does not happen).
local tokens = {}
local proofs = {}
local i = 0
local path = "/api/x"

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      tokens[#tokens + 1] = line
    end
  end
  for line in io.lines(args[2]) do
    if #line > 0 then
      proofs[#proofs + 1] = line
    end
  end
  if args[3] then
    path = args[3]
  end
end

function request()
  i = (i % #proofs) + 1
  return wrk.format("GET", path, {
    ["Authorization"] = "DPoP " .. tokens[(i - 1) % #tokens + 1],
    ["DPoP"] = proofs[i],
  })
end
