// Every language the pad offers. Adding one: a module like python.js (highlighting, worker URL,
// abilities), its worker, a line here, and its name in interview_server/protocol.py LANGUAGES.
import { javascript } from "./javascript.js";
import { python } from "./python.js";

export const LANGUAGES = [python, javascript];

/** The language module of `id`, or undefined. */
export function languageById(id) {
  return LANGUAGES.find((language) => language.id === id);
}
