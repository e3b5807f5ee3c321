// SQL completions: the session's tables and their columns (sql-schema-state.js), beside lang-sql's SQLite keywords.
import { schemaCompletionSource, SQLite } from "@codemirror/lang-sql";
import { currentSchema } from "../languages/sql-schema-state.js";

/** The schema's names, looked up at each completion, so a problem loaded later is offered at once. */
export function schemaSource() {
  let shown = null;
  /** @type {import("@codemirror/autocomplete").CompletionSource} */
  let source = () => null;
  /** @type {import("@codemirror/autocomplete").CompletionSource} */
  return (context) => {
    const tables = currentSchema();
    if (tables !== shown) {
      shown = tables;
      source = schemaCompletionSource({
        dialect: SQLite,
        schema: Object.fromEntries(tables.map((table) => [table.name, table.columns.map((column) => column.name)])),
      });
    }
    return source(context);
  };
}
