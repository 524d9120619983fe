-- wrk script for the leak check: rotates over $WRK_REQ_COUNT requests described by files in $WRK_REQ_DIR
-- (K.path, K.headers with one "name: value" a line, K.body; K from 1), and prints the summary as JSON.
local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local reqs = {}
local n = 0
local i = 0

init = function(args)
  local dir = os.getenv("WRK_REQ_DIR")
  n = tonumber(os.getenv("WRK_REQ_COUNT"))
  for k = 1, n do
    local headers = {}
    for line in slurp(dir .. "/" .. k .. ".headers"):gmatch("[^\n]+") do
      local name, value = line:match("^([^:]+):%s*(.*)$")
      if name then headers[name] = value end
    end
    reqs[k] = wrk.format("POST", slurp(dir .. "/" .. k .. ".path"), headers, slurp(dir .. "/" .. k .. ".body"))
  end
end

request = function()
  i = i + 1
  return reqs[(i - 1) % n + 1]
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"latency_us":{"p50":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
