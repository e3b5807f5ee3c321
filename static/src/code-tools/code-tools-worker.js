// Module worker for the editor's code tools: formatting (Ruff for Python, Prettier for JavaScript and TypeScript)
// and lint (Ruff's diagnostics for Python, Lua's own compiler for Lua's syntax errors). Each tool is imported on
// its first use (separate chunks, static/build.mjs), so a Python session never loads Prettier, nor a JavaScript
// one Ruff. Requests: {id, type: "format" | "lint", language, text}; answers {id, changes} (code-tools/diff.js),
// {id, diagnostics: [{from, to, severity, message, source}]} (UTF-16 offsets in `text`), or {id, error}.
// @ts-ignore: a file import (esbuild's file loader, static/build.mjs): its URL beside this script, never a CDN
import ruffWasm from "@astral-sh/ruff-wasm-web/ruff_wasm_bg.wasm";
// @ts-ignore: likewise
import luaWasm from "wasmoon/dist/glue.wasm";
import { minimalChanges } from "./diff.js";

// Ruff's default rule set (pyflakes and the pycodestyle errors that do not overlap a formatter).
const RUFF_SELECT = ["E4", "E7", "E9", "F"];
// Undefined names fail at run time: errors. The rest (unused imports, `== None`…) are warnings.
const RUFF_ERRORS = /^(invalid-syntax|E9\d\d|F82\d)$/;

let ruff = null; // Promise of {format, check} once the wasm is compiled
let prettier = null; // Promise of Prettier's standalone build and its plugins
let lua = null; // Promise of a Lua state used only to compile

function loadRuff() {
  ruff ??= import("@astral-sh/ruff-wasm-web").then(async ({ default: init, Workspace, PositionEncoding }) => {
    await init({ module_or_path: new URL(ruffWasm, import.meta.url) });
    // The formatter's settings are Ruff's defaults (line length 88, double quotes), as `ruff format --isolated`.
    return new Workspace({ lint: { select: RUFF_SELECT } }, PositionEncoding.Utf16);
  });
  return ruff;
}

function loadPrettier() {
  prettier ??= Promise.all([
    import("prettier/standalone"),
    import("prettier/plugins/babel"),
    import("prettier/plugins/estree"),
    import("prettier/plugins/typescript"),
  ]).then(([standalone, babel, estree, typescript]) => ({ standalone, babel, estree, typescript }));
  return prettier;
}

function loadLua() {
  // wasmoon is a CommonJS module: imported on demand, its exports are the namespace's default.
  lua ??= import("wasmoon").then((module) => {
    const { LuaFactory } = module.LuaFactory ? module : module.default;
    return new LuaFactory(new URL(luaWasm, import.meta.url).href).createEngine({ injectObjects: false, enableProxy: false });
  });
  return lua;
}

const FORMATTERS = {
  python: async (text) => {
    const workspace = await loadRuff();
    try {
      return workspace.format(text);
    } catch (error) {
      // "… at byte range 10..11": the byte offset in UTF-8 gives the line.
      const message = String(error?.message ?? error);
      const range = /\s*at byte range (\d+)\.\.\d+\s*$/.exec(message);
      throw new SyntaxError(range ? `line ${lineOfByte(text, Number(range[1]))}: ${message.slice(0, range.index)}` : message);
    }
  },
  javascript: (text) => formatWithPrettier(text, "babel"),
  typescript: (text) => formatWithPrettier(text, "typescript"),
};

async function formatWithPrettier(text, parser) {
  const { standalone, babel, estree, typescript } = await loadPrettier();
  try {
    return await standalone.format(text, { parser, plugins: [parser === "babel" ? babel : typescript, estree] });
  } catch (error) {
    // Prettier's syntax errors carry loc.start.line and end their message with "(3:5)" and a code frame.
    const line = error?.loc?.start?.line;
    const first = String(error?.message ?? error).split("\n")[0].replace(/\s*\(\d+:\d+\)$/, "");
    throw new SyntaxError(line ? `line ${line}: ${first}` : first);
  }
}

const LINTERS = {
  python: async (text) => {
    const workspace = await loadRuff();
    const starts = lineStarts(text);
    return workspace.check(text).map((d) => ({
      from: offsetOf(starts, text, d.start_location),
      to: offsetOf(starts, text, d.end_location),
      severity: RUFF_ERRORS.test(d.code ?? "invalid-syntax") ? "error" : "warning",
      message: d.code && d.code !== "invalid-syntax" ? `${d.code} ${d.message}` : `Syntax error: ${d.message}`,
      source: "Ruff",
    }));
  },
  lua: async (text) => {
    const engine = await loadLua();
    try {
      engine.global.loadString(text, "=code"); // compiles only: the chunk is never called
      return [];
    } catch (error) {
      const found = /^code:(\d+): (.*)$/s.exec(String(error?.message ?? error));
      if (!found) return [];
      const starts = lineStarts(text);
      const line = Math.min(Number(found[1]), starts.length);
      const end = line < starts.length ? starts[line] - 1 : text.length;
      return [{ from: starts[line - 1], to: end, severity: "error", message: `Syntax error: ${found[2]}`, source: "Lua" }];
    } finally {
      engine.global.setTop(0);
    }
  },
};

self.addEventListener("message", async ({ data: { id, type, language, text } }) => {
  try {
    if (type === "format") {
      const format = FORMATTERS[language];
      if (!format) throw new Error(`no formatter for ${language}`);
      const formatted = await format(text);
      postMessage({ id, changes: minimalChanges(text, formatted) });
    } else if (type === "lint") {
      postMessage({ id, diagnostics: LINTERS[language] ? await LINTERS[language](text) : [] });
    } else throw new Error(`unknown request ${type}`);
  } catch (error) {
    postMessage({ id, error: String(error?.message ?? error), syntax: error instanceof SyntaxError });
  }
});

/** Where each line of `text` starts (UTF-16 offsets). */
function lineStarts(text) {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

/** Ruff's {row, column} (1-based, UTF-16 columns: PositionEncoding.Utf16) as an offset in `text`. */
function offsetOf(starts, text, { row, column }) {
  if (row > starts.length) return text.length;
  const lineEnd = row < starts.length ? starts[row] - 1 : text.length;
  return Math.min(starts[row - 1] + column - 1, lineEnd);
}

/** The line (1-based) of byte `offset` of `text` in UTF-8. */
function lineOfByte(text, offset) {
  const bytes = new TextEncoder().encode(text).subarray(0, offset);
  let line = 1;
  for (const byte of bytes) if (byte === 10) line++;
  return line;
}
