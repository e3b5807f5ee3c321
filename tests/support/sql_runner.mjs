// Runs SQL as the page's SQL worker does (static/src/sql-run.js on the same sql.js wasm, given here as bytes):
// reads {schema, code} as JSON on stdin, prints {status, stdout, stderr} as JSON. For tests/test_sql_problems.py.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const require = createRequire(join(root, "package.json"));
const initSqlJs = require("sql.js/dist/sql-wasm-browser.js");
const { runSql } = await import(join(root, "static", "src", "sql-run.js"));

const asked = JSON.parse(readFileSync(0, "utf8"));
const SQL = await initSqlJs({ wasmBinary: readFileSync(require.resolve("sql.js/dist/sql-wasm-browser.wasm")) });
const out = { stdout: "", stderr: "" };
const status = runSql(SQL, asked, (stream, text) => (out[stream] += text));
const version = SQL.Database ? new SQL.Database().exec("SELECT sqlite_version()")[0].values[0][0] : "";
process.stdout.write(JSON.stringify({ status, ...out, version }));
