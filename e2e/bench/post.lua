-- POST /api/calculations with a mix of indexes: every other request repeats one of 0..999 (soon all
-- done: a 200 from the record), the rest are new to the row (load.ts forgets those of earlier rows) and
-- small: cheap for the workers.
local counter = 0

function setup(thread)
  thread:set("offset", (offset_seed or 0))
  offset_seed = (offset_seed or 0) + 1
end

request = function()
  counter = counter + 1
  local index
  if counter % 2 == 0 then
    index = math.random(0, 999)
  else
    index = 1000 + counter * 4 + (offset or 0)
  end
  return wrk.format("POST", "/api/calculations", { ["Content-Type"] = "application/json" }, '{"index":' .. index .. '}')
end
