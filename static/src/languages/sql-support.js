// SQL highlighting (SQLite's dialect), loaded on demand, with SQLite's keywords and the session's tables and
// columns as completions (shown when the person's settings have completion on: comfort/editor-comfort.js).
import { schemaCompletionSource, sql, SQLite } from "@codemirror/lang-sql";
import { currentSchema } from "./sql-schema-state.js";

/** The schema's names are looked up at each completion, so a problem loaded later is offered at once. */
export function support() {
  let shown = null;
  /** @type {import("@codemirror/autocomplete").CompletionSource} */
  let source = () => null;
  /** @type {import("@codemirror/autocomplete").CompletionSource} */
  const fromSchema = (context) => {
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
  return [sql({ dialect: SQLite, upperCaseKeywords: true }), SQLite.language.data.of({ autocomplete: fromSchema })];
}
