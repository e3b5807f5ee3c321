// The completion sources (static/src/completion/): Python's import parsing and what it offers where, against the
// index the build ships (static/build-python-index.mjs, from Pyodide's own standard library; a cache hit after
// `npm run build`); JavaScript's curated globals; SQL's schema; and the contract completionSources(languageId).
// Run: node --test tests/node/completion.test.mjs
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { CompletionContext } from "@codemirror/autocomplete";
import { javascript } from "@codemirror/lang-javascript";
import { sql, SQLite } from "@codemirror/lang-sql";
import { ensureSyntaxTree } from "@codemirror/language";
import { EditorState } from "@codemirror/state";
import { pythonIndex } from "../../static/build-python-index.mjs";
import { completionSources } from "../../static/src/completion/index.js";
import { javascriptSource } from "../../static/src/completion/javascript.js";
import { importBindings, parseImport, pythonCompletionSource } from "../../static/src/completion/python.js";
import { schemaSource } from "../../static/src/completion/sql.js";
import { support as javascriptSupport } from "../../static/src/languages/javascript-support.js";
import { support as pythonSupport } from "../../static/src/languages/python-support.js";
import { support as sqlSupport } from "../../static/src/languages/sql-support.js";
import { support as typescriptSupport } from "../../static/src/languages/typescript-support.js";
import { setSchema } from "../../static/src/languages/sql-schema-state.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const index = JSON.parse((await pythonIndex(`${root}node_modules/pyodide`, `${root}node_modules/.cache/interview-pad`)).json);
const python = pythonCompletionSource(async () => index);

/** The source's answer at the end of `doc` (or at "|"): {from, options} with options as "label detail" strings. */
async function complete(source, extension, text, explicit = false) {
  const pos = text.includes("|") ? text.indexOf("|") : text.length;
  const doc = text.replace("|", "");
  const state = EditorState.create({ doc, extensions: [extension] });
  const result = await source(new CompletionContext(state, pos, explicit));
  return result && { from: result.from, result, labels: result.options.map((option) => option.label) };
}
const completePython = (text, explicit) => complete(python, pythonSupport(), text, explicit);
const option = (answer, label) => answer.result.options.find((candidate) => candidate.label === label);

test("import statements bind what Python binds", () => {
  assert.deepEqual(parseImport("import a.b as c, d"), [["c", { module: "a.b" }], ["d", { module: "d" }]]);
  assert.deepEqual(parseImport("import a.b.c"), [["a", { module: "a" }]]);
  assert.deepEqual(parseImport("from x import (y, z)"), [["y", { module: "x", name: "y" }], ["z", { module: "x", name: "z" }]]);
  assert.deepEqual(parseImport("from x.y import (p,\n    q as r,)  # trailing comma"),
    [["p", { module: "x.y", name: "p" }], ["r", { module: "x.y", name: "q" }]]);
  assert.deepEqual(parseImport("from os import path as p, sep"), [["p", { module: "os", name: "path" }], ["sep", { module: "os", name: "sep" }]]);
  assert.deepEqual(parseImport("from math import *"), [["*", { module: "math" }]]);
  assert.deepEqual(parseImport("from . import sibling"), []);
  assert.deepEqual(parseImport("from .pkg import thing"), []);
  assert.deepEqual(parseImport("import collections \\\n    as c"), [["c", { module: "collections" }]]);

  const state = EditorState.create({
    doc: "import math\ndef f():\n    import heapq as h\n    s = 'import json'\nfrom itertools import *\nfrom os import path\n",
    extensions: [pythonSupport()],
  });
  ensureSyntaxTree(state, state.doc.length, 10_000); // the page's parse runs in slices; a loaded machine's first may stop short
  const { names, star } = importBindings(state);
  assert.deepEqual(Object.fromEntries(names), { math: { module: "math" }, h: { module: "heapq" }, path: { module: "os", name: "path" } });
  assert.deepEqual(star, ["itertools"]);
});

test("after an imported module and a dot: its members, with signatures and summaries", async () => {
  const answer = await completePython("import math\nmath.sq");
  assert.equal(answer.from, "import math\nmath.".length);
  assert.ok(answer.labels.includes("sqrt") && answer.labels.includes("pi") && answer.labels.includes("floor"));
  assert.equal(option(answer, "sqrt").detail, "(x, /)");
  assert.equal(option(answer, "sqrt").type, "function");
  assert.equal(option(answer, "pi").type, "constant");
  assert.equal(typeof option(answer, "sqrt").info, "function"); // a DOM node, made when shown

  // Right after the dot; through an alias; a submodule; a class's own table with its bases'.
  assert.ok((await completePython("import math\nx = math.")).labels.includes("sqrt"));
  assert.ok((await completePython("import collections as c\nc.Coun")).labels.includes("Counter"));
  assert.ok((await completePython("import os\nos.path.jo")).labels.includes("join"));
  assert.ok((await completePython("import os.path\nos.path.jo")).labels.includes("join"));
  assert.ok((await completePython("import urllib.parse\nurllib.parse.quo")).labels.includes("quote"));
  assert.ok((await completePython("import urllib.parse\nurllib.")).labels.includes("parse"));
  assert.ok((await completePython("from os import path\npath.exi")).labels.includes("exists"));
  const counter = await completePython("from collections import Counter\nCounter.")
  assert.ok(counter.labels.includes("most_common") && counter.labels.includes("fromkeys"), "its own and dict's");
  assert.equal(option(await completePython("import datetime\ndatetime.datetime.no"), "now").detail, "(tz=None)");
  assert.equal(option(await completePython("str.jo"), "join").detail, "(iterable, /)");
  assert.ok((await completePython("def f():\n    import heapq as h\n    h.heappu")).labels.includes("heappush"));

  // A literal's type.
  assert.equal(option(await completePython("', '.jo"), "join").detail, "(iterable, /)");
  assert.ok((await completePython("x = [1, 2].app")).labels.includes("append"));
  assert.ok((await completePython("{1: 2}.ite")).labels.includes("items"));
  assert.ok((await completePython("b'abc'.dec")).labels.includes("decode"));
  assert.ok((await completePython("(255).to_by")).labels.includes("to_bytes"), "an int's");
  assert.ok((await completePython("1.5.is_int")).labels.includes("is_integer"));

  // Unknown or not imported: nothing (no type inference), and nothing in strings or comments.
  assert.equal(await completePython("math.sq"), null);
  assert.equal(await completePython("import math\nx = [1]\nx.app"), null);
  assert.equal(await completePython("import math\ns = 'math.sq"), null);
  assert.equal(await completePython("import math\n# math.sq"), null);
});

test("in import statements: module names, then a module's members; never the name being typed itself", async () => {
  const modules = await completePython("import heap");
  assert.equal(modules.from, "import ".length);
  assert.ok(modules.labels.includes("heapq") && modules.labels.includes("collections") && modules.labels.includes("sqlite3"));
  assert.ok(!modules.labels.includes("heap"), "the statement defines `heap`, but it is no module");
  assert.ok(!modules.labels.includes("print"), "no builtins here");
  assert.ok((await completePython("import ", true)).labels.includes("math"));
  assert.ok((await completePython("import os, ma")).labels.includes("math"));
  assert.deepEqual((await completePython("import os.pa")).labels, ["path"]);
  assert.deepEqual((await completePython("from os.pa")).labels, ["path"]);
  assert.ok((await completePython("from coll")).labels.includes("collections"));

  const members = await completePython("from collections import Coun");
  assert.equal(members.from, "from collections import ".length);
  assert.ok(members.labels.includes("Counter") && members.labels.includes("abc"), "its members and submodules");
  assert.ok(!members.labels.includes("Coun"));
  assert.equal(option(members, "Counter").detail, "(iterable=None, /, **kwds)");
  assert.ok((await completePython("from collections import (deque,\n    Coun")).labels.includes("Counter"));
  assert.ok((await completePython("from collections import ", true)).labels.includes("defaultdict"));
  assert.equal(await completePython("import math as m"), null, "a new name");
  assert.equal(await completePython("from . import x"), null);
});

test("elsewhere: keywords, builtins (each once, with its signature), the document's names and imported ones", async () => {
  const answer = await completePython("def compute_total(items):\n    return sum(items)\n\nfrom math import sqrt\nfrom itertools import *\nco");
  const counts = new Map();
  for (const label of answer.labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  for (const label of ["print", "len", "compute_total", "lambda", "return", "def", "chain", "sqrt"]) {
    assert.ok(counts.has(label), label);
  }
  assert.equal(counts.get("print"), 1);
  assert.ok(option(answer, "print").info, "print's signature");
  assert.ok(answer.result.options.some((candidate) => candidate.label === "def" && candidate.apply), "lang-python's snippets");
  assert.ok(answer.result.options.some((candidate) => candidate.label === "sqrt" && candidate.type === "variable"
    && candidate.info), "an imported function's signature, on the option lang-python's local names have too");
  assert.equal(option(answer, "compute_total").type, "function");
  assert.equal(await completePython("x = 'co"), null);
  assert.equal(await completePython("x = 1\n"), null, "no word, not asked");
});

test("without its index, Python still offers the builtins and the document's names", async () => {
  const warn = console.warn;
  console.warn = () => {};
  try {
    const source = pythonCompletionSource(() => Promise.reject(new Error("offline")));
    const answer = await complete(source, pythonSupport(), "def compute_total():\n    pass\nco");
    assert.ok(answer.labels.includes("compute_total") && answer.labels.includes("compile"));
  } finally {
    console.warn = warn;
  }
});

test("the index is Pyodide's Python, and small enough to load on the first completion", () => {
  assert.match(index.python, /^3\.\d+\.\d+$/);
  assert.ok(index.keywords.includes("lambda") && index.keywords.includes("match"));
  assert.ok(Object.keys(index.members).length > 300);
  assert.ok(JSON.stringify(index).length < 600_000);
});

test("JavaScript: the standard globals and their members, never the page's own", async () => {
  globalThis.pad = { getText: () => "" }; // as the editor page has it
  try {
    const source = javascriptSource();
    const members = await complete(source, javascript(), "Math.fl");
    assert.equal(members.from, "Math.".length);
    assert.ok(members.labels.includes("floor"));
    assert.ok((await complete(source, javascript(), "JSON.")).labels.includes("stringify"));
    const top = await complete(source, javascript(), "pa");
    assert.ok(top.labels.includes("parseInt") && top.labels.includes("Promise") && top.labels.includes("await"));
    assert.ok(!top.labels.includes("pad") && !top.labels.includes("process") && !top.labels.includes("globalThis"));
    assert.equal(await complete(source, javascript(), "pad."), null);
    assert.ok((await complete(source, javascript({ typescript: true }), "Number.isInt")).labels.includes("isInteger"));
    assert.equal(await complete(source, javascript(), "'Math.fl"), null);
  } finally {
    delete globalThis.pad;
  }
});

test("SQL: the session's tables and columns, as the schema is now", async () => {
  const source = schemaSource();
  setSchema({ sql: "", tables: [{ name: "customers", columns: [{ name: "city", type: "text" }], rows: 1 }] });
  const extension = sql({ dialect: SQLite });
  assert.ok((await complete(source, extension, "SELECT * FROM cust")).labels.includes("customers"));
  assert.ok((await complete(source, extension, "SELECT customers.ci")).labels.includes("city"));
  setSchema({ sql: "", tables: [{ name: "orders", columns: [{ name: "amount", type: "real" }], rows: 1 }] });
  assert.ok((await complete(source, extension, "SELECT * FROM ord")).labels.includes("orders"));
  setSchema(null);
});

test("completionSources(languageId): language data that answers where the editor shows that language only", () => {
  // The page's own supports (languages/*-support.js): their languages' names are the pad's language ids.
  const sourcesAt = (support, ...ids) => EditorState.create({ doc: "x", extensions: [support, ids.map(completionSources)] })
    .languageDataAt("autocomplete", 1).length;
  assert.equal(sourcesAt(pythonSupport()), 0, "python-support.js leaves lang-python's sources to completion/python.js");
  assert.equal(sourcesAt(pythonSupport(), "python"), 1);
  assert.equal(sourcesAt(pythonSupport(), "javascript", "typescript", "sql", "lua"), 0);
  assert.equal(sourcesAt(javascriptSupport(), "javascript"), sourcesAt(javascriptSupport()) + 1, "lang-javascript's and the globals");
  assert.equal(sourcesAt(javascriptSupport(), "python", "typescript", "sql"), sourcesAt(javascriptSupport()));
  assert.equal(sourcesAt(typescriptSupport(), "typescript"), sourcesAt(typescriptSupport()) + 1);
  assert.equal(sourcesAt(typescriptSupport(), "javascript"), sourcesAt(typescriptSupport()));
  assert.equal(sourcesAt(sqlSupport(), "sql"), sourcesAt(sqlSupport()) + 1, "lang-sql's and the schema");
  assert.deepEqual(completionSources("lua"), []);
  assert.equal(completionSources("python"), completionSources("python"), "one extension per language");
});
