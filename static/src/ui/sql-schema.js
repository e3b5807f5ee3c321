// The SQL problem's tables beside the editor: a collapsible list (each table, its columns and types, how many
// rows it starts with) under the problem's prompt while the session's language is SQL. It also hands the
// schema to the SQL runs and completions (languages/sql-schema-state.js), and marks the output with the language.
import { setSchema } from "../languages/sql-schema-state.js";

export class SqlSchema {
  /** `info` (session-info.js) says the problem; `runner` (runner.js) the language; `problem` (ui/problem-panel.js)
   * holds the list; `output` (the output's element) is marked with the language, for the tables' layout. */
  constructor({ info, runner, problem, output }) {
    this.info = info;
    this.output = output;
    this.language = null;
    this.shown = "";
    const doc = problem.root.ownerDocument;
    this.root = doc.createElement("details");
    this.root.className = "sql-schema";
    this.root.open = true;
    this.summary = doc.createElement("summary");
    this.list = doc.createElement("ul");
    this.list.className = "sql-schema-tables";
    this.root.append(this.summary, this.list);
    this.root.hidden = true;
    problem.addSection(this.root);
    info.addEventListener("change", () => this.update());
    runner.addEventListener("status", (/** @type {CustomEvent} */ { detail }) => {
      this.language = detail.language;
      if (this.output) this.output.dataset.language = detail.language;
      this.update();
    });
  }

  update() {
    const schema = this.info.problem?.schema ?? null;
    setSchema(schema);
    const tables = Array.isArray(schema?.tables) ? schema.tables : [];
    this.root.hidden = this.language !== "sql" || tables.length === 0;
    const key = JSON.stringify(tables);
    if (key === this.shown) return;
    this.shown = key;
    this.summary.textContent = `Tables (${tables.length})`;
    this.list.replaceChildren(...tables.map((table) => this.tableItem(table)));
  }

  /** "orders · 12 rows" over "id INTEGER, customer_id INTEGER, …" (text nodes only: names come from the problem). */
  tableItem(table) {
    const doc = this.root.ownerDocument;
    const item = doc.createElement("li");
    const name = doc.createElement("code");
    name.className = "sql-schema-name";
    name.textContent = String(table.name);
    const rows = doc.createElement("span");
    rows.className = "sql-schema-rows";
    const count = Number(table.rows);
    rows.textContent = Number.isFinite(count) ? ` · ${count.toLocaleString("en-US")} ${count === 1 ? "row" : "rows"}` : "";
    const columns = doc.createElement("span");
    columns.className = "sql-schema-columns";
    for (const [index, column] of (Array.isArray(table.columns) ? table.columns : []).entries()) {
      if (index) columns.append(doc.createTextNode(", "));
      const columnName = doc.createElement("code");
      columnName.textContent = String(column?.name ?? "");
      columns.append(columnName);
      if (column?.type) {
        const type = doc.createElement("span");
        type.className = "sql-schema-type";
        type.textContent = ` ${String(column.type).toLowerCase()}`;
        columns.append(type);
      }
    }
    item.append(name, rows, doc.createElement("br"), columns);
    return item;
  }
}
