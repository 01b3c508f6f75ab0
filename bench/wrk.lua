-- wrk script for the benchmark: prints one machine-readable line (BENCH_JSON {...}) when the run ends.
-- BENCH_WRK_MODE=get (default) sends the URL as is, with no per-request Lua (wrk's static request).
-- BENCH_WRK_MODE=urls GETs the paths listed in the file BENCH_WRK_URLS (one a line, already percent-encoded), in
-- order, starting at line BENCH_WRK_OFFSET (0-based) and wrapping at the end; the file is read once, in init(),
-- and every distinct request is formatted once. The report adds "dispatched": how many paths were handed out,
-- so the caller knows exactly which ones were sent.

local mode = os.getenv("BENCH_WRK_MODE") or "get"
local threads = {}
local next_tid = 0

function setup(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
  table.insert(threads, thread)
end

counter = 0

if mode == "urls" then
  local reqs = {}
  local n = 0
  local offset = tonumber(os.getenv("BENCH_WRK_OFFSET") or "0")

  function init(args)
    local formatted = {}
    for line in io.lines(os.getenv("BENCH_WRK_URLS")) do
      if line ~= "" then
        local r = formatted[line]
        if not r then
          r = wrk.format("GET", line)
          formatted[line] = r
        end
        n = n + 1
        reqs[n] = r
      end
    end
  end

  function request()
    local r = reqs[(offset + counter) % n + 1]
    counter = counter + 1
    return r
  end
end

-- wrk corrects its latency histogram for coordinated omission before done() sees it (bench/latency.py says how).
-- When the correction can have changed anything (a latency of at least twice the interval it corrects with), the
-- report adds every non-empty bin ("bins": [[microseconds, count], ...]) so bench/latency.py can undo it.
-- BENCH_WRK_CONNECTIONS must be the --connections given to wrk.
function done(summary, latency, requests)
  local e = summary.errors
  local dispatched = 0
  for _, thread in ipairs(threads) do
    dispatched = dispatched + (thread:get("counter") or 0)
  end
  local per_connection = math.floor(summary.requests / tonumber(os.getenv("BENCH_WRK_CONNECTIONS") or "1"))
  local interval = per_connection > 0 and math.floor(summary.duration / per_connection) or 0
  local bins = "[]"
  if interval > 0 and latency.max >= 2 * interval then
    local out = {}
    for i = 1, #latency do
      local value, count = latency(i)
      out[i] = string.format("[%d,%d]", value, count)
    end
    bins = "[" .. table.concat(out, ",") .. "]"
  end
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors_connect":%d,"errors_read":%d,' ..
    '"errors_write":%d,"errors_status":%d,"errors_timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"mean_us":%.1f,"max_us":%d,"dispatched":%d,"interval_us":%d,"bins":%s}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max, dispatched,
    interval, bins))
end
