// The session's SQL schema as the page knows it (session_info.problem.schema): its DDL and seed, loaded into
// every run, and its tables, offered as completions and listed beside the editor. Set by ui/sql-schema.js.

/** @typedef {{name: string, columns: {name: string, type: string}[], rows: number}} SchemaTable */

let schema = { sql: "", tables: /** @type {SchemaTable[]} */ ([]) };

/** Takes the problem's `schema` ({sql, tables}) or nothing (no problem, or one without a schema). */
export function setSchema(next) {
  const valid = next && typeof next === "object" && typeof next.sql === "string";
  schema = valid ? { sql: next.sql, tables: Array.isArray(next.tables) ? next.tables.filter(isTable) : [] } : { sql: "", tables: [] };
}

export function currentSchemaSql() {
  return schema.sql;
}

/** @returns {SchemaTable[]} */
export function currentSchema() {
  return schema.tables;
}

function isTable(table) {
  return table && typeof table.name === "string" && Array.isArray(table.columns)
    && table.columns.every((column) => column && typeof column.name === "string");
}
