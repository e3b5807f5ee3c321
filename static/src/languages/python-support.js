// Python highlighting and indentation, loaded on demand (the editor is usable before it arrives). Completion is
// completion/python.js's, lang-python's own sources included.
import { LanguageSupport } from "@codemirror/language";
import { pythonLanguage } from "@codemirror/lang-python";

export const support = () => new LanguageSupport(pythonLanguage);
