// SQL highlighting (SQLite's dialect) and SQLite's keywords as completions, loaded on demand. The session's tables
// and columns are completion/sql.js's (shown when the person's settings have completion on: comfort/editor-comfort.js).
import { sql, SQLite } from "@codemirror/lang-sql";

export function support() {
  return sql({ dialect: SQLite, upperCaseKeywords: true });
}
