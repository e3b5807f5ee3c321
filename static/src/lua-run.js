// One Lua run on a fresh Lua state (wasmoon's Lua 5.4): print, io.write and io.stdout/io.stderr go to `write`,
// io.read, io.lines() and io.stdin read the Input box's text, an error is "main.lua:LINE: message" and the
// program's own frames of its traceback. DOM-free: lua-worker.js runs it in the page, tests/support/
// lua_runner.mjs in Node, on the same wasm.

// Runs inside Lua. The standard library stays, except what would reach the host's C stdio (the page cannot show
// it), a shell (os.execute, io.popen) or end the wasm instance (os.exit): those are replaced by equivalents on
// the Input text and the run's output, or by an error that says why. Names a program could clash with stay
// local to this chunk.
const PRELUDE = String.raw`
local code, input, emit = ...
local select, tostring, type, error = select, tostring, type, error
local format, concat, mathtype = string.format, table.concat, math.type
local EXIT = {}

-- io.write's rules: strings and numbers ("%.14g" for floats, as Lua's own "%d"/LUAI_NUMFFORMAT), nothing else.
local function written(name, ...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do
    local value = select(i, ...)
    local kind = type(value)
    if kind == "number" then
      value = mathtype(value) == "integer" and format("%d", value) or format("%.14g", value)
    elseif kind ~= "string" then
      error(format("bad argument #%d to '%s' (string expected, got %s)", i, name, kind), 3)
    end
    parts[i] = value
  end
  return concat(parts)
end

local function output_file(stream, label)
  local file = {}
  function file.write(self, ...) emit(stream, written("write", ...)) return self end
  function file.flush(self) return self end
  function file.setvbuf() return true end
  function file.close() return nil, "cannot close standard file" end
  function file.seek() return nil, "cannot seek on " .. label end
  return setmetatable(file, { __name = "FILE*", __tostring = function() return "file (" .. label .. ")" end })
end

local stdout, stderr = output_file(1, "stdout"), output_file(2, "stderr")

-- Standard input: the Input box's text, read as io.read reads a file.
local position = 1
local function read_line(keep_newline)
  if position > #input then return nil end
  local newline = input:find("\n", position, true)
  local line
  if newline then
    line = input:sub(position, keep_newline and newline or newline - 1)
    position = newline + 1
  else
    line = input:sub(position)
    position = #input + 1
  end
  return line
end

local function read_number()
  local start = input:find("%S", position) or (#input + 1)
  for _, pattern in ipairs({ "^[%+%-]?0[xX]%x*%.?%x*[pP]?[%+%-]?%d*", "^[%+%-]?%d*%.?%d*[eE][%+%-]?%d+", "^[%+%-]?%d*%.?%d*" }) do
    local first, last = input:find(pattern, start)
    if first and last >= first then
      local number = tonumber(input:sub(first, last))
      if number then
        position = last + 1
        return number
      end
    end
  end
  position = start
  return nil
end

local function read_one(how)
  if type(how) == "number" then
    if how == 0 then return position <= #input and "" or nil end
    if position > #input then return nil end
    local chunk = input:sub(position, position + how - 1)
    position = position + #chunk
    return chunk
  end
  local kind = type(how) == "string" and how:gsub("^%*", ""):sub(1, 1) or nil
  if kind == "l" then return read_line(false) end
  if kind == "L" then return read_line(true) end
  if kind == "n" then return read_number() end
  if kind == "a" then
    local rest = input:sub(position)
    position = #input + 1
    return rest
  end
  error("bad argument #1 to 'read' (invalid format)", 3)
end

local function read(...)
  local n = select("#", ...)
  if n == 0 then return read_line(false) end
  local results = {}
  for i = 1, n do
    results[i] = read_one((select(i, ...)))
    if results[i] == nil then return table.unpack(results, 1, i) end
  end
  return table.unpack(results, 1, n)
end

local stdin = setmetatable({
  read = function(_, ...) return read(...) end,
  lines = function(_, ...)
    local formats = table.pack(...)
    return function() return read(table.unpack(formats, 1, formats.n)) end
  end,
  close = function() return nil, "cannot close standard file" end,
}, { __name = "FILE*", __tostring = function() return "file (stdin)" end })

local open_lines, open_input, open_output = io.lines, io.input, io.output
io.stdout, io.stderr, io.stdin = stdout, stderr, stdin
io.write = function(...) emit(1, written("write", ...)) return stdout end
io.read = read
io.lines = function(name, ...)
  if name == nil then return stdin:lines(...) end
  return open_lines(name, ...)
end
io.input = function(file) if file == nil then return stdin end return open_input(file) end
io.output = function(file) if file == nil then return stdout end return open_output(file) end
print = function(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do parts[i] = tostring((select(i, ...))) end
  emit(1, concat(parts, "\t") .. "\n")
end
os.exit = function() error(EXIT, 0) end
-- No shell in a browser (and under Node, Emscripten's system() would reach the host's).
local function no_shell(name) return function() error(name .. " is not available: the code runs in a browser", 2) end end
os.execute, io.popen = no_shell("os.execute"), no_shell("io.popen")

local main, syntax_error = load(code, "=main.lua", "t")
if not main then
  emit(2, syntax_error .. "\n")
  return "error"
end
local function traceback(message)
  if message == EXIT then return EXIT end
  if type(message) ~= "string" then
    local meta = getmetatable(message)
    message = meta and meta.__tostring and tostring(message) or format("(error object is a %s value)", type(message))
  end
  -- The program's own frames only: not this prelude's, nor the C functions between them.
  local frames = {}
  for line in debug.traceback("", 2):gmatch("[^\n]+") do
    -- (and Lua's "..." where a deep stack's middle is skipped)
    if line:find("^%s*main%.lua:") or line:find("^%s*%.%.%.") then frames[#frames + 1] = line end
  end
  if #frames == 0 then return message end
  return message .. "\nstack traceback:\n" .. concat(frames, "\n")
end
local ok, failure = xpcall(main, traceback)
if ok or failure == EXIT then return "ok" end
emit(2, failure .. "\n")
return "error"
`;

/**
 * Runs `code` on a fresh state of `factory` (a wasmoon LuaFactory); `write(stream, text)` gets its output.
 * @param {any} factory
 * @param {{code: string, stdin?: string}} run
 * @param {(stream: "stdout" | "stderr", text: string) => void} write
 * @returns {Promise<"ok" | "error">}
 */
export async function runLua(factory, { code, stdin = "" }, write) {
  const engine = await factory.createEngine({ injectObjects: false, enableProxy: false });
  try {
    const prelude = engine.global;
    prelude.loadString(PRELUDE, "=prelude");
    prelude.pushValue(code);
    prelude.pushValue(stdin);
    prelude.pushValue((stream, text) => write(stream === 2 ? "stderr" : "stdout", String(text)));
    const [status] = prelude.runSync(3);
    return status === "ok" ? "ok" : "error";
  } finally {
    engine.global.close();
  }
}
