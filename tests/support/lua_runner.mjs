// Runs Lua as the page's Lua worker does (static/src/lua-run.js on the same wasmoon wasm): reads {code, stdin}
// as JSON on stdin, prints {status, stdout, stderr} as JSON. For tests/support/code_runners.py.
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
const out = { stdout: "", stderr: "" };
const status = await runLua(factory, asked, (stream, text) => (out[stream] += text));
process.stdout.write(JSON.stringify({ status, ...out }));
