// The completion sources of each language, as language data (the editor's autocompletion() asks for the
// "autocomplete" data where it completes). This module is small: a language's sources load on its first completion
// (python.js, javascript.js for TypeScript too, sql.js), and the Python index on the first Python completion, so a
// Python session never loads JavaScript's or SQL's support for its completions.
import { language } from "@codemirror/language";
import { EditorState } from "@codemirror/state";

/** @typedef {import("@codemirror/autocomplete").CompletionSource} CompletionSource */

/** The index of Python's standard library, made at build time (static/build.mjs, build-python-index.mjs). */
// @ts-ignore: a module of the build's own (not a file here)
const loadPythonIndex = () => import("python-stdlib-index").then((module) => module.default);

/** @type {Record<string, () => Promise<CompletionSource>>} */
const LOADERS = {
  python: () => import("./python.js").then(({ pythonCompletionSource }) => pythonCompletionSource(loadPythonIndex)),
  javascript: () => import("./javascript.js").then(({ javascriptSource }) => javascriptSource()),
  sql: () => import("./sql.js").then(({ schemaSource }) => schemaSource()),
};
LOADERS.typescript = LOADERS.javascript;

const made = new Map(); // language id -> its extension (one per page, so its sources load once)

/**
 * The completion sources of language `languageId` (an id of languages/index.js) as an Extension: they answer
 * where the editor's language is that one (so a state may hold several languages' and switch freely); empty for a
 * language without any. Does not include autocompletion() itself.
 * @param {string} languageId
 * @returns {import("@codemirror/state").Extension}
 */
export function completionSources(languageId) {
  const load = LOADERS[languageId];
  if (!load) return [];
  if (!made.has(languageId)) {
    const data = [{ autocomplete: lazySource(load) }];
    // The languages' names (lang-python's "python", lang-sql's "sql"...) are the pad's language ids.
    made.set(languageId, EditorState.languageData.of((state) => (state.facet(language)?.name === languageId ? data : [])));
  }
  return made.get(languageId);
}

/**
 * A source that loads the real one on its first call (and again after a failed load).
 * @param {() => Promise<CompletionSource>} load
 * @returns {CompletionSource}
 */
function lazySource(load) {
  /** @type {CompletionSource | null} */
  let source = null;
  /** @type {Promise<CompletionSource> | null} */
  let loading = null;
  return (context) => {
    if (source) return source(context);
    loading ??= load().then((loaded) => (source = loaded), (error) => {
      loading = null;
      throw error;
    });
    return loading.then((loaded) => loaded(context));
  };
}
