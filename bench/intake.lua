-- wrk script: replays pre-signed Twilio webhook requests, each MessageSid once.
-- Lines of the file are "<signature>\t<form body>"; threads take interleaved lines.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  requests_file = args[1]
  nthreads = tonumber(args[2])
  lines = {}
  local n = 0
  for line in io.lines(requests_file) do
    if n % nthreads == id then
      local tab = line:find("\t")
      table.insert(lines, {line:sub(1, tab - 1), line:sub(tab + 1)})
    end
    n = n + 1
  end
  index = 0
  non2xx = 0
end

function request()
  index = index % #lines + 1
  local item = lines[index]
  return wrk.format("POST", "/webhooks/twilio/whatsapp", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = item[1],
  }, item[2])
end

function response(status, headers, body)
  if status ~= 200 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("non2xx") or 0) end
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), bad,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
