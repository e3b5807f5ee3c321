// Hidden checks as one program: the candidate's code, then the problem's hidden checks, run in the
// interviewer's own worker. Each `grade(name, run, expected, same)` call in the checks prints one marked line
// (a per-run nonce, then the case as JSON); everything else the program prints is ignored.
//
// A check compares by value (canonical JSON: lists and tuples alike, sets sorted, keys sorted), not with the
// candidate's own __eq__ / equality, unless the check passes `same(got, expected)`. The checks run in a
// namespace (Python) or block (JavaScript, TypeScript) of their own, so a candidate's function named `grade` is neither
// replaced nor used. This is a grading aid for code the interviewer can read, not a sandbox: code written to
// fake results can be seen in the editor.
// DOM-free: tests/test_problems.py runs what it builds in CPython and Node.

export const MARK = "\u001ehidden-case ";
export const MAX_MESSAGE_CHARS = 300;
export const MAX_CASES = 200;
export const CRASH_CASE = "the hidden checks";

const PYTHON_HARNESS = String.raw`

def __interview_hidden_checks(nonce, source, namespace):
    import json, sys, time
    mark = "\x1ehidden-case " + nonce + " "

    def canonical(value):
        def plain(item):
            if isinstance(item, (set, frozenset)):
                return sorted(item, key=repr)
            return repr(item)
        return json.dumps(value, sort_keys=True, default=plain)

    def report(name, passed, ms, message):
        print(mark + json.dumps({"name": str(name)[:200], "passed": passed, "ms": round(ms, 2),
                                 "message": message[:${MAX_MESSAGE_CHARS}]}), flush=True)

    def grade(name, run, expected=None, same=None):
        started = time.perf_counter()
        try:
            got = run()
            passed = bool(same(got, expected)) if same else canonical(got) == canonical(expected)
            message = "" if passed else f"returned {got!r}, expected {expected!r}"
        except Exception as error:
            passed, message = False, f"raised {type(error).__name__}: {error}"
        report(name, passed, (time.perf_counter() - started) * 1000, message)

    try:
        exec(compile(source, "<hidden checks>", "exec"), {**namespace, "grade": grade})
    except Exception as error:
        report("${CRASH_CASE}", False, 0, f"crashed: {type(error).__name__}: {error}")
`;

// TypeScript's checks are written into the program (its worker strips their types with the candidate's); JavaScript's
// are eval'd, so that a syntax error in them is one failed case rather than a program that does not start.
const JAVASCRIPT_HARNESS = (nonce, checks, inline = false) => String.raw`
;{
  const __mark = "\u001ehidden-case " + ${JSON.stringify(nonce)} + " ";
  const __stringify = JSON.stringify;
  const __canonical = (value) => __stringify(value, (key, item) => {
    if (item instanceof Set) return [...item].map((x) => __stringify(x)).sort();
    if (item instanceof Map) return [...item.entries()];
    if (item && typeof item === "object" && !Array.isArray(item)) {
      return Object.fromEntries(Object.keys(item).sort().map((k) => [k, item[k]]));
    }
    return item === undefined ? null : item;
  });
  const __show = (value) => { try { return __stringify(value) ?? String(value); } catch { return String(value); } };
  const __report = (name, passed, ms, message) => console.log(__mark + __stringify({
    name: String(name).slice(0, 200), passed, ms: Math.round(ms * 100) / 100, message: message.slice(0, ${MAX_MESSAGE_CHARS}) }));
  const grade = (name, run, expected, same) => {
    const started = performance.now();
    let passed = false;
    let message = "";
    try {
      const got = run();
      passed = same ? Boolean(same(got, expected)) : __canonical(got) === __canonical(expected);
      if (!passed) message = "returned " + __show(got) + ", expected " + __show(expected);
    } catch (error) {
      message = "threw " + (error instanceof Error ? error.name + ": " + error.message : __show(error));
    }
    __report(name, passed, performance.now() - started, message);
  };
  try {
    ${inline ? `${checks}\n` : `eval(${JSON.stringify(checks)});`}
  } catch (error) {
    __report("${CRASH_CASE}", false, 0, "crashed: " + (error instanceof Error ? error.name + ": " + error.message : __show(error)));
  }
}
`;

// Lua: the checks are pasted into a block of their own after the candidate's code, so they see its top-level
// locals as well as its globals; a local `grade` there hides any the candidate defined. Values are compared as
// canonical JSON: a table whose keys are 1..n is a list, any other an object with its keys sorted.
const LUA_HARNESS = (nonce, checks) => String.raw`
do
  local __mark = "\30hidden-case " .. ${JSON.stringify(nonce)} .. " "
  local __print, __format, __concat, __clock = print, string.format, table.concat, os.clock
  local function __quote(text)
    return '"' .. (text:gsub('[%c"\\]', function(c) return __format("\\u%04x", c:byte()) end)) .. '"'
  end
  local function __canonical(value, depth)
    local kind = type(value)
    if depth > 100 then error("a value nested over 100 deep", 0) end
    if kind == "nil" then return "null" end
    if kind == "boolean" then return tostring(value) end
    if kind == "string" then return __quote(value) end
    if kind == "number" then
      if value ~= value or value == math.huge or value == -math.huge then return "null" end
      if math.type(value) == "integer" or (value == math.floor(value) and math.abs(value) < 2^53) then
        return __format("%d", math.tointeger(value) or value)
      end
      return __format("%.17g", value)
    end
    if kind ~= "table" then return __quote(tostring(value)) end
    local count = 0
    for _ in pairs(value) do count = count + 1 end
    local parts = {}
    if count == #value then
      for i = 1, count do parts[i] = __canonical(value[i], depth + 1) end
      return "[" .. __concat(parts, ",") .. "]"
    end
    local keys = {}
    for key in pairs(value) do keys[#keys + 1] = tostring(key) end
    table.sort(keys)
    local byName = {}
    for key, item in pairs(value) do byName[tostring(key)] = item end
    for i, key in ipairs(keys) do parts[i] = __quote(key) .. ":" .. __canonical(byName[key], depth + 1) end
    return "{" .. __concat(parts, ",") .. "}"
  end
  local function __show(value)
    local ok, text = pcall(__canonical, value, 0)
    return ok and text or tostring(value)
  end
  local function __report(name, passed, ms, message)
    __print(__mark .. '{"name":' .. __quote(tostring(name):sub(1, 200)) .. ',"passed":' .. tostring(passed)
      .. ',"ms":' .. __format("%.2f", ms) .. ',"message":' .. __quote(message:sub(1, ${MAX_MESSAGE_CHARS})) .. "}")
  end
  local function grade(name, run, expected, same)
    local started = __clock()
    local ok, got = pcall(run)
    local passed, message = false, ""
    if not ok then
      message = "raised " .. tostring(got)
    else
      local compared, result = pcall(function()
        if same then return same(got, expected) and true or false end
        return __canonical(got, 0) == __canonical(expected, 0)
      end)
      passed = compared and result
      if not compared then message = "raised " .. tostring(result)
      elseif not passed then message = "returned " .. __show(got) .. ", expected " .. __show(expected) end
    end
    __report(name, passed, (__clock() - started) * 1000, message)
  end
  local __ok, __error = pcall(function()
${checks}
  end)
  if not __ok then __report("${CRASH_CASE}", false, 0, "crashed: " .. tostring(__error)) end
end
`;

/** A fresh nonce for one run: marked lines without it (printed by the candidate's code) are not results. */
export function newNonce() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * The program the interviewer's worker runs.
 * @param {string} language "python" | "javascript" | "typescript" | "sql" | "lua"
 * @param {string} code the candidate's code at the version graded
 * @param {string} checks the problem's hidden checks in that language
 * @param {string} nonce from newNonce()
 */
export function hiddenProgram(language, code, checks, nonce) {
  if (language === "python") {
    return `${code}\n${PYTHON_HARNESS}\n__interview_hidden_checks(${JSON.stringify(nonce)}, ${JSON.stringify(checks)}, globals())\n`;
  }
  if (language === "javascript") return `${code}\n${JAVASCRIPT_HARNESS(nonce, checks)}`;
  if (language === "typescript") return `${code}\n${JAVASCRIPT_HARNESS(nonce, checks, true)}`;
  if (language === "sql") return sqlHiddenProgram(code, checks, nonce);
  if (language === "lua") return `${code}\n${LUA_HARNESS(nonce, checks)}`;
  throw new Error(`no hidden checks for ${language}`);
}

// SQL: the checks are cases, each `-- case: name`, then statements that change the data (the setup), then one
// `-- expect ordered|unordered` block (docs/PROBLEMS.md). Each case runs in a savepoint of its own: its setup,
// the candidate's code, the expectation on the code's last result, then everything rolled back, so the next case
// starts from the problem's data again. The worker reports each expectation as a marked line once the nonce
// directive has been read. The candidate's own directives become plain comments: they are not checks.
const SQL_CASE = /^\s*--\s*case:\s*(.*)$/i;
const SQL_EXPECT = /^\s*--\s*expect\s+(ordered|unordered)\b/i;
// As sql-run.js reads a directive: a line that, trimmed of any whitespace (no-break spaces, form feeds too),
// starts with one.
const SQL_DIRECTIVE = /^--\s*(expect|grading-nonce)\b/i;

function sqlHiddenProgram(code, checks, nonce) {
  const candidate = code.split("\n").map((line) => (SQL_DIRECTIVE.test(line.trim()) ? "--" : line)).join("\n");
  const program = [`-- grading-nonce: ${nonce}`];
  for (const { name, setup, expectation } of sqlCases(checks)) {
    program.push("SAVEPOINT hidden_case;", ...setup, candidate, ";", ...expectation(name),
      "ROLLBACK TO hidden_case;", "RELEASE hidden_case;");
  }
  return `${program.join("\n")}\n`;
}

/** The cases of SQL hidden checks: {name, setup: lines, expectation(name): lines}, in order. */
function sqlCases(checks) {
  const cases = [];
  for (const line of checks.split("\n")) {
    const started = SQL_CASE.exec(line);
    if (started) cases.push({ name: started[1].trim() || `case ${cases.length + 1}`, setup: [], expected: null });
    else if (!cases.length) continue; // before the first case: nothing is checked
    else if (cases.at(-1).expected) cases.at(-1).expected.push(line);
    else if (SQL_EXPECT.test(line)) cases.at(-1).expected = [line];
    else cases.at(-1).setup.push(line);
  }
  return cases.filter((found) => found.expected).map(({ name, setup, expected: [directive, ...rows] }) => ({
    name,
    setup,
    expectation: (named) => [`-- expect ${SQL_EXPECT.exec(directive)[1].toLowerCase()}: ${named}`, ...rows],
  }));
}

/**
 * @typedef {{name: string, passed: boolean, ms: number, message: string}} HiddenCase
 * @typedef {{cases: HiddenCase[], passed: number, total: number}} HiddenResults
 */

/**
 * The cases a run printed (its whole output, in order), read back: only lines marked with this run's nonce
 * count, each case name once (the first), at most MAX_CASES; a run that ended without reaching the checks (a
 * syntax error in the candidate's code, a time-out, Stop) is one failed case saying so.
 * @param {string} output
 * @param {string} nonce
 * @param {string} [ending] why the run ended early, if it did ("error" output, "timed out", "stopped")
 * @returns {HiddenResults}
 */
export function readHiddenResults(output, nonce, ending = "") {
  const prefix = `${MARK}${nonce} `;
  /** @type {HiddenCase[]} */
  const cases = [];
  for (const line of output.split("\n")) {
    if (!line.startsWith(prefix) || cases.length >= MAX_CASES) continue;
    try {
      const found = JSON.parse(line.slice(prefix.length));
      if (cases.some((known) => known.name === String(found.name).slice(0, 200))) continue; // each case counts once
      cases.push({
        name: String(found.name).slice(0, 200),
        passed: found.passed === true,
        ms: Number.isFinite(found.ms) ? found.ms : 0,
        message: String(found.message ?? "").slice(0, MAX_MESSAGE_CHARS),
      });
    } catch {
      // a marked line cut short (output truncated): not a result
    }
  }
  if (ending) cases.push({ name: CRASH_CASE, passed: false, ms: 0, message: ending.slice(0, MAX_MESSAGE_CHARS) });
  const passed = cases.filter((c) => c.passed).length;
  return { cases, passed, total: cases.length };
}
