// Runs Lua as the page's Lua worker does (static/src/lua-run.js on the same wasmoon wasm): reads {code, stdin}
// as JSON on stdin, prints {status, stdout, stderr} as JSON; or {runs: [{code, stdin}, ...]}, run one after the
// other on one wasm instance as the worker runs them, and prints the list of results. For
// tests/support/code_runners.py.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const require = createRequire(join(root, "package.json"));
const { LuaFactory } = require("wasmoon");
const { runLua } = await import(join(root, "static", "src", "lua-run.js"));

const asked = JSON.parse(readFileSync(0, "utf8"));
const factory = new LuaFactory(require.resolve("wasmoon/dist/glue.wasm"));
const results = [];
for (const run of asked.runs ?? [asked]) {
  const out = { stdout: "", stderr: "" };
  const status = await runLua(factory, run, (stream, text) => (out[stream] += text));
  results.push({ status, ...out });
}
process.stdout.write(JSON.stringify(asked.runs ? results : results[0]));
