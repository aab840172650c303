-- wrk: PUT /kv/bench-N, N random in 1..1000, each with a body of its own.
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("PUT", "/kv/bench-" .. math.random(1, 1000), {["Content-Type"] = "application/json"},
                    '{"n": ' .. counter .. '}')
end
