-- wrk script for the benchmark: prints one machine-readable line (BENCH_JSON {...}) when the run ends.
-- BENCH_WRK_MODE=get (default) sends the URL as is, with no per-request Lua (wrk's static request).
-- BENCH_WRK_MODE=checklist POSTs a checklist step to the URL with the bearer token BENCH_WRK_TOKEN and a different
-- evidence document number on every request (bench-TAG-THREAD-N, TAG from BENCH_WRK_TAG), so each request is a
-- real, audited write rather than a no-op. Read at load time: wrk decides on a static request before init().

local mode = os.getenv("BENCH_WRK_MODE") or "get"

if mode == "checklist" then
  local tag = os.getenv("BENCH_WRK_TAG") or "run"
  local counter = 0
  local next_tid = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_WRK_TOKEN") or "")

  function setup(thread)
    next_tid = next_tid + 1
    thread:set("tid", next_tid)
  end

  function request()
    counter = counter + 1
    local body = string.format('{"item":"guidance","done":true,"evidence":{"doc_number":"bench-%s-%d-%d"}}',
                               tag, tid or 0, counter)
    return wrk.format(nil, nil, nil, body)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors_connect":%d,"errors_read":%d,' ..
    '"errors_write":%d,"errors_status":%d,"errors_timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"mean_us":%.1f,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
