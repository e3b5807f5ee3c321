// Lua highlighting (CodeMirror's legacy Lua mode as a stream language), loaded on demand.
import { LanguageSupport, StreamLanguage } from "@codemirror/language";
import { lua } from "@codemirror/legacy-modes/mode/lua";

export function support() {
  return new LanguageSupport(StreamLanguage.define(lua));
}
