// Module worker that runs SQL with sql.js (SQLite compiled to WebAssembly): each run on a fresh in-memory
// database made from the session's schema (sql-run.js). A run cannot be interrupted from outside (the thread
// is busy in SQLite): Stop and the time limit terminate this worker and start a fresh one.
import initSqlJs from "sql.js/dist/sql-wasm-browser.js";
// @ts-ignore: a file import (esbuild's file loader, static/build.mjs): its URL
import wasmFile from "sql.js/dist/sql-wasm-browser.wasm";
import { runSql } from "./sql-run.js";
import { OutputStream } from "./worker-output.js";

// esbuild's file loader gives the wasm's hashed name beside this script in static/dist/.
const WASM_URL = new URL(wasmFile, import.meta.url).href;

let SQL = null;
const loading = initSqlJs({ locateFile: () => WASM_URL })
  .then((module) => {
    SQL = module;
    performance.mark("sql-started"); // read by tests and bench/page_bench.py
    postMessage({ type: "ready" });
  })
  .catch((error) => postMessage({ type: "load-error", message: String(error?.message ?? error) }));

self.addEventListener("message", async ({ data }) => {
  if (data.type !== "run") return;
  await loading;
  if (!SQL) return;
  const started = performance.now();
  const output = new OutputStream(data.id);
  let status;
  try {
    status = runSql(SQL, { schema: String(data.schema ?? ""), code: String(data.code ?? "") }, (stream, text) =>
      stream === "stderr" ? output.writeFinal(stream, text) : output.write(stream, text));
  } catch (error) {
    output.writeFinal("stderr", `${error?.message ?? error}\n`);
    status = "error";
  }
  output.flush();
  postMessage({ type: "done", id: data.id, status, ms: Math.round(performance.now() - started) });
});
