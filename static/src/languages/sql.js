// SQL: highlighted by @codemirror/lang-sql (SQLite dialect, the schema's tables and columns as completions;
// loaded on demand), run by SQLite compiled to WebAssembly (sql.js) in a module worker (sql-worker.js), on a
// fresh in-memory database made from the session's schema at every run.
//
// Why sql.js 1.17 (SQLite 3.54.1) rather than @sqlite.org/sqlite-wasm 3.54.1 (measured here, brotli 11):
// - size: sql.js is 291 kB of wasm + 19 kB of JS; sqlite-wasm is 353 kB of wasm + 144 kB of JS (its loader
//   carries OPFS, kvvfs and worker1 APIs a throw-away in-memory database never uses);
// - start-up: either compiles in well under the 1 s budget (docs/PERFORMANCE.md, "SQL", has the figures);
// - API fit: Database.iterateStatements() steps through the editor's statements one at a time and leaves the
//   rest of the text at hand, which is exactly what naming a failing statement needs; Statement.step/get
//   lets a run stop collecting rows after the 500 shown while still counting them;
// - maintenance: sql.js follows SQLite releases (1.17.0 carries 3.54.1) and is MIT; sqlite-wasm is SQLite's
//   own build, the better pick once persistence (OPFS) matters, which it does not here.
// Neither can be interrupted from the page without SharedArrayBuffer plumbing of its own, and a runaway query
// (a recursive CTE without end) is ended the simple way: Stop terminates the worker and starts a fresh one,
// which compiles the cached wasm again in a few tens of milliseconds.
import { currentSchemaSql } from "./sql-schema-state.js";
import { workerUrl } from "./worker-urls.js";

export const sql = {
  id: "sql",
  label: "SQL",
  fileExtension: ".sql",
  workerUrl: () => workerUrl("sql"),
  indentUnit: "  ",
  loadSupport: () => import("./sql-support.js"),
  interruptible: false, // Stop terminates the worker
  interactiveInput: false,
  inputReader: null, // SQL reads no input: the Input box is hidden
  loadingText: "Loading SQLite…",
  // Every run starts from the session's schema and seed data.
  prepareRun: (message) => ({ ...message, schema: currentSchemaSql() }),
};
