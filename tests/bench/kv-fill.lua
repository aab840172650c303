-- wrk: PUT /kv/<prefix>N for N = 0 .. keys-1 in turn, over all threads and
-- connections (and over several wrk processes: each is given its offset and
-- the stride of all threads together), each key written as often as the run
-- lasts; small JSON bodies.
-- wrk -s kv-fill.lua URL -- <keys> <prefix> <stride> <offset>
local thread_id = 0
function setup(thread)
  thread:set("first", thread_id)
  thread_id = thread_id + 1
end

function init(args)
  keys = tonumber(args[1] or "100000")
  prefix = args[2] or "fill-"
  step = tonumber(args[3] or "2") -- threads of every wrk process together
  counter = first + tonumber(args[4] or "0")
end

request = function()
  local n = counter % keys
  counter = counter + step
  return wrk.format("PUT", "/kv/" .. prefix .. n, {["Content-Type"] = "application/json"}, '{"n": ' .. counter .. '}')
end
