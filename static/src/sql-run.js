// One SQL run, DOM-free (the SQL worker uses it; tests/node/sql-run.test.mjs runs it in Node on the same
// sql.js build): a fresh in-memory database from the schema, then every statement of the code in order, each
// result written as a text table (psql's layout), writes as "N rows affected", an error naming its statement.
// Check directives in comments (`-- expect ordered|unordered`, then one JSON row a line) compare the latest
// result set with the rows given (docs/PROBLEMS.md, "SQL problems").

export const MAX_ROWS_SHOWN = 500;
export const MAX_CELL_CHARS = 200;
export const HIDDEN_MARK = "\u001ehidden-case "; // as grading/hidden-program.js reads results back
const NONCE_DIRECTIVE = /^--\s*grading-nonce:\s*([0-9a-f]+)\s*$/;
const EXPECT_DIRECTIVE = /^--\s*expect\s+(ordered|unordered)\b:?\s*(.*)$/i;
const ROW_LINE = /^--\s*(\[.*\])\s*$/;
const WRITE_KEYWORDS = new Set(["INSERT", "UPDATE", "DELETE", "REPLACE"]);

/**
 * Runs `code` on a fresh database made from `schema`; `write(stream, text)` gets the output ("stdout",
 * "stderr"). Returns "ok" or "error" (a failing check is printed, not an error: the run itself went fine).
 * @param {any} SQL the sql.js module (initSqlJs's result)
 * @param {{schema?: string, code: string}} run
 * @param {(stream: string, text: string) => void} write
 */
export function runSql(SQL, { schema = "", code }, write) {
  const db = new SQL.Database();
  try {
    if (schema.trim()) {
      try {
        db.exec(schema);
      } catch (error) {
        write("stderr", `The problem's schema could not be loaded: ${messageOf(error)}\n`);
        return "error";
      }
    }
    const checks = new Checks(code, write);
    if (statementStart(code, 0) >= code.length) write("stdout", "No SQL to run: write a statement such as SELECT 1;\n");
    const failure = runStatements(db, code, checks);
    if (failure) {
      write("stderr", failure);
      return "error";
    }
    checks.finish(code.length);
    return "ok";
  } finally {
    db.close();
  }
}

/** Runs each statement in turn; the error text of the first that fails, or "". */
function runStatements(db, code, checks) {
  const statements = db.iterateStatements(code);
  let number = 0;
  for (;;) {
    const start = code.length - statements.getRemainingSQL().length;
    let statement;
    try {
      const next = statements.next();
      if (next.done) return "";
      statement = next.value;
    } catch (error) {
      return describeError(code, start, number + 1, messageOf(error));
    }
    number += 1;
    const where = statementStart(code, start);
    checks.before(where);
    try {
      const result = execute(db, statement);
      const text = statement.getSQL();
      if (result.columns) {
        const table = { columns: result.columns, rows: result.rows ?? [], count: result.count ?? 0 };
        checks.result(table);
        checks.out(`${header(number, text)}\n${formatTable(table)}\n`);
      } else {
        checks.out(`${header(number, text)}\n${describeWrite(text, result.changes)}\n\n`);
      }
    } catch (error) {
      return describeError(code, start, number, messageOf(error));
    } finally {
      statement.free();
    }
  }
}

/**
 * Steps one statement to its end: {columns, rows (at most MAX_ROWS_SHOWN), count}, or {columns: null, changes}.
 * @returns {{columns: string[] | null, rows?: any[][], count?: number, changes?: number}}
 */
function execute(db, statement) {
  const columns = statement.getColumnNames();
  const before = totalChanges(db);
  const rows = [];
  let count = 0;
  while (statement.step()) {
    if (count < MAX_ROWS_SHOWN) rows.push(statement.get());
    count += 1;
  }
  if (columns.length === 0) return { columns: null, changes: totalChanges(db) - before };
  return { columns, rows, count };
}

function totalChanges(db) {
  return db.exec("SELECT total_changes()")[0].values[0][0];
}

function describeWrite(text, changes) {
  const keyword = firstKeyword(text);
  if (WRITE_KEYWORDS.has(keyword) || changes > 0) return `${changes.toLocaleString("en-US")} ${changes === 1 ? "row" : "rows"} affected`;
  return "done";
}

/** "-- 2 (line 5): SELECT name, total FROM …" above a statement's result. */
function header(number, text) {
  const first = firstLine(text);
  return `-- ${number}: ${first.length > 72 ? `${first.slice(0, 71)}…` : first}`;
}

function describeError(code, start, number, message) {
  const where = statementStart(code, start);
  const line = code.slice(0, where).split("\n").length;
  const first = firstLine(code.slice(where)) || "(end of the code)";
  return `Error in statement ${number} (line ${line}): ${first}\n${message}\n`;
}

/** The offset of a statement's first token: past the whitespace and comments before it. */
function statementStart(code, start) {
  let at = start;
  for (;;) {
    while (at < code.length && /\s/.test(code[at])) at += 1;
    if (code.startsWith("--", at)) {
      const end = code.indexOf("\n", at);
      at = end < 0 ? code.length : end + 1;
    } else if (code.startsWith("/*", at)) {
      const end = code.indexOf("*/", at + 2);
      at = end < 0 ? code.length : end + 2;
    } else {
      return at;
    }
  }
}

function firstLine(text) {
  return text.slice(statementStart(text, 0)).split("\n")[0].trim();
}

function firstKeyword(text) {
  return (/^[A-Za-z]+/.exec(text.slice(statementStart(text, 0)))?.[0] ?? "").toUpperCase();
}

function messageOf(error) {
  return String(error?.message ?? error);
}

// Tables.

/** A cell as text: NULL, numbers as SQLite prints them, blobs in hex, control characters made visible. */
export function cellText(value) {
  if (value === null || value === undefined) return "NULL";
  if (value instanceof Uint8Array) {
    const hex = Array.from(value.subarray(0, 32), (byte) => byte.toString(16).padStart(2, "0")).join("");
    return `x'${hex}${value.length > 32 ? "…" : ""}'`;
  }
  const text = String(value).replace(/\r\n|\n|\r/g, "↵").replace(/\t/g, "→").replace(/[\u0000-\u001f\u007f]/g, "�");
  return text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS - 1)}…` : text;
}

/**
 * A result as psql prints it: a header, a rule, aligned rows (numbers to the right), the row count.
 * @param {{columns: string[], rows: any[][], count: number}} result
 */
export function formatTable({ columns, rows, count }) {
  const cells = rows.map((row) => row.map(cellText));
  const numeric = columns.map((_, index) => rows.some((row) => typeof row[index] === "number")
    && rows.every((row) => row[index] === null || typeof row[index] === "number"));
  const widths = columns.map((name, index) => Math.max(width(cellText(name)), ...cells.map((row) => width(row[index]))));
  const pad = (text, index, right) => {
    const space = " ".repeat(widths[index] - width(text));
    return right ? space + text : text + space;
  };
  const names = columns.map(cellText);
  const line = (values, header) =>
    values.map((text, index) => ` ${pad(text, index, !header && numeric[index])} `).join("|").replace(/\s+$/, "");
  const out = [line(names, true), widths.map((w) => "-".repeat(w + 2)).join("+"), ...cells.map((row) => line(row, false))];
  const noun = count === 1 ? "row" : "rows";
  out.push(count > rows.length
    ? `(${count.toLocaleString("en-US")} ${noun}; the first ${rows.length.toLocaleString("en-US")} shown)`
    : `(${count.toLocaleString("en-US")} ${noun})`);
  return `${out.join("\n")}\n`;
}

/** Columns a string takes in a monospace font (wide East Asian characters take two). */
function width(text) {
  let columns = 0;
  for (const ch of text) columns += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1faff}\u{20000}-\u{3fffd}]/u.test(ch) ? 2 : 1;
  return columns;
}

// Checks.

/** The check directives of a text (in comments, so the code stays plain SQL), fired in order as statements run. */
class Checks {
  constructor(code, write) {
    this.write = write;
    this.last = null; // the latest result set: {columns, rows, count}
    this.nonce = null; // set by `-- grading-nonce:` (hidden checks): results are marked lines, not ✓/✗
    this.pending = parseDirectives(code);
    this.passed = 0;
    this.total = 0;
    this.hidden = [];
  }

  out(text) {
    if (!this.nonce) this.write("stdout", text); // hidden checks show nothing but their results
  }

  result(result) {
    this.last = result;
  }

  /** Fires the directives written before offset `at`. */
  before(at) {
    while (this.pending.length && this.pending[0].at < at) this.fire(this.pending.shift());
  }

  finish(end) {
    this.before(end + 1);
    if (this.total > 0 && !this.nonce) this.write("stdout", `Passed ${this.passed} of ${this.total} checks.\n`);
  }

  fire(directive) {
    if (directive.nonce) {
      this.nonce = directive.nonce;
      return;
    }
    this.total += 1;
    const name = directive.name || `check ${this.total}`;
    const started = performance.now();
    const message = directive.error ?? compareRows(this.last, directive.rows, directive.ordered);
    if (!message) this.passed += 1;
    if (this.nonce) {
      const ms = Math.round((performance.now() - started) * 100) / 100;
      this.write("stdout", `${HIDDEN_MARK}${this.nonce} ${JSON.stringify({ name: name.slice(0, 200), passed: !message, ms, message: (message ?? "").slice(0, 300) })}\n`);
    } else if (message) {
      this.write("stdout", `✗ ${name}: ${message}\n`);
    } else {
      const rows = directive.rows.length;
      this.write("stdout", `✓ ${name}: ${rows} ${rows === 1 ? "row" : "rows"}${directive.ordered ? ", in order" : ""}, as expected\n`);
    }
  }
}

/** [{at, ordered, name, rows, error?} | {at, nonce}] from the comment lines of `code`. */
export function parseDirectives(code) {
  const directives = [];
  const lines = code.split("\n");
  let offset = 0;
  const offsets = lines.map((line) => {
    const at = offset;
    offset += line.length + 1;
    return at;
  });
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index].trim();
    // Only the program's first line may set the nonce (hidden-program.js writes it there): a candidate's line
    // further down cannot re-mark the results.
    const nonce = index === 0 ? NONCE_DIRECTIVE.exec(line) : null;
    if (nonce) {
      directives.push({ at: offsets[index], nonce: nonce[1] });
      continue;
    }
    const expect = EXPECT_DIRECTIVE.exec(line);
    if (!expect) continue;
    const directive = { at: offsets[index], ordered: expect[1].toLowerCase() === "ordered", name: expect[2].trim(), rows: [] };
    while (index + 1 < lines.length && ROW_LINE.test(lines[index + 1].trim())) {
      index += 1;
      try {
        const row = JSON.parse(ROW_LINE.exec(lines[index].trim())[1]);
        if (!Array.isArray(row)) throw new Error("not a list");
        directive.rows.push(row);
      } catch {
        directive.error = `its row on line ${index + 1} is not a JSON list`;
      }
    }
    directives.push(directive);
  }
  return directives;
}

/** Why `result` is not `expected` (a message), or null when it is. Numbers count to 6 decimal places. */
export function compareRows(result, expected, ordered) {
  if (!result) return "no query returned rows before this check (end with a SELECT)";
  if (result.count > result.rows.length) return `the query returned ${result.count} rows, expected ${expected.length}`;
  const got = result.rows.map(canonicalRow);
  const want = expected.map(canonicalRow);
  const width = want[0] ? JSON.parse(want[0]).length : null;
  if (width !== null && result.columns.length !== width) {
    return `the query returned ${result.columns.length} columns (${result.columns.join(", ")}), expected ${width}`;
  }
  if (ordered) {
    for (let index = 0; index < Math.max(got.length, want.length); index += 1) {
      if (got[index] === want[index]) continue;
      if (index >= got.length) return `${rowCount(got.length)}, expected ${want.length}: row ${index + 1} should be ${want[index]}`;
      if (index >= want.length) return `${rowCount(got.length)}, expected ${want.length}: row ${index + 1} is ${got[index]}, not expected`;
      return `row ${index + 1} is ${got[index]}, expected ${want[index]}`;
    }
    return null;
  }
  const left = new Map();
  for (const row of want) left.set(row, (left.get(row) ?? 0) + 1);
  const extra = [];
  for (const row of got) {
    if (left.get(row)) left.set(row, left.get(row) - 1);
    else extra.push(row);
  }
  const missing = [...left].flatMap(([row, n]) => Array(n).fill(row));
  if (!missing.length && !extra.length) return null;
  const parts = [`${rowCount(got.length)}, expected ${want.length}`];
  if (missing.length) parts.push(`missing ${missing.slice(0, 3).join(", ")}${missing.length > 3 ? ", …" : ""}`);
  if (extra.length) parts.push(`not expected ${extra.slice(0, 3).join(", ")}${extra.length > 3 ? ", …" : ""}`);
  return parts.join("; ");
}

function rowCount(count) {
  return `${count} ${count === 1 ? "row" : "rows"}`;
}

function canonicalRow(row) {
  return JSON.stringify(row.map((value) => {
    if (typeof value === "number") return Math.round(value * 1e6) / 1e6 + 0; // + 0: -0 is 0
    if (value instanceof Uint8Array) return cellText(value);
    return value ?? null;
  }));
}
