// Every language the pad offers (docs/LANGUAGES.md says how to add one). Adding one: a module like python.js (highlighting, worker URL,
// abilities), its worker, a line here, and its id in interview_server/protocol.py LANGUAGES (then
// `make protocol`; tests/test_protocol_agreement.py checks the two lists agree).
import { javascript } from "./javascript.js";
import { lua } from "./lua.js";
import { python } from "./python.js";
import { sql } from "./sql.js";
import { typescript } from "./typescript.js";

export const LANGUAGES = [python, javascript, typescript, sql, lua];

/** The language module of `id`, or undefined. */
export function languageById(id) {
  return LANGUAGES.find((language) => language.id === id);
}
