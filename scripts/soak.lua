-- wrk script for scripts/soak.sh: a mix of discovery, API and download
-- requests; stops after SOAK_REQUESTS responses; counts errors: any status
-- other than 200, and any discovery document that comes back without "none".
-- Run with one wrk thread (-t1): the counters are that thread's. If the
-- limit is not reached in time (socket errors, say), done() reports them.
local paths = {
  "/.well-known/oauth-authorization-server",
  "/api/items",
  "/download",
  "/api/items?page=2",
}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  n = 0
  responses = 0
  errors = 0
  repaired = 0
  limit = tonumber(os.getenv("SOAK_REQUESTS") or "200000")
end

function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= 200 then
    errors = errors + 1
  elseif body:find('"token_endpoint_auth_methods_supported"', 1, true) then
    if body:find('"none"', 1, true) then
      repaired = repaired + 1
    else
      errors = errors + 1
    end
  end
  if responses >= limit then
    -- wrk would idle until its -d ran out: report and end the run now.
    io.write(string.format("SOAK responses=%d errors=%d repaired=%d socket_errors=0\n",
      responses, errors, repaired))
    io.flush()
    os.exit(0)
  end
end

function done(summary, latency, requests)
  local r, e, d = 0, 0, 0
  for _, t in ipairs(threads) do
    r = r + t:get("responses")
    e = e + t:get("errors")
    d = d + t:get("repaired")
  end
  io.write(string.format("SOAK responses=%d errors=%d repaired=%d socket_errors=%d\n",
    r, e + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, d,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
