-- POST /api/calculations with a mix of indexes: half the requests, drawn at random, repeat one of 0..999
-- (soon all done: a 200 from the record), the rest are new to the row (load.ts forgets those of earlier
-- rows) and small: cheap for the workers. At random, not every other request: nginx takes turns between
-- the api processes, and a strict alternation can fall into step with it, sending every new index to one
-- process and every repeated one to the other, which halves the batch jobs.
local counter = 0

function setup(thread)
  thread:set("offset", (offset_seed or 0))
  offset_seed = (offset_seed or 0) + 1
end

function init(args)
  math.randomseed(os.time() * 2 + (offset or 0))
end

request = function()
  counter = counter + 1
  local index
  if math.random(2) == 1 then
    index = math.random(0, 999)
  else
    index = 1000 + counter * 4 + (offset or 0)
  end
  return wrk.format("POST", "/api/calculations", { ["Content-Type"] = "application/json" }, '{"index":' .. index .. '}')
end
