// Lint for the editor (@codemirror/lint): Ruff's diagnostics for Python and Lua's compiler's syntax errors, both
// from code-tools-worker.js, and the syntax errors of the Lezer parse tree for JavaScript, TypeScript and SQL.
// Runs when typing pauses (never on the keystroke's path); an answer for a text that has changed since is dropped
// by @codemirror/lint (it applies results only while the document is the one it asked about). Loaded on demand.
import { syntaxTree } from "@codemirror/language";
import { lintGutter, linter } from "@codemirror/lint";
import { EditorView } from "@codemirror/view";
import { ask } from "./client.js";

const DELAY_MS = 500;
const MAX_SYNTAX_ERRORS = 20;

/** Diagnostics computed by the worker for `languageId` ("python", "lua"). */
const fromWorker = (languageId) => async (view) => {
  try {
    return (await ask({ type: "lint", language: languageId, text: view.state.doc.toString() })).diagnostics;
  } catch (error) {
    console.warn("interview_server: no lint:", error);
    return [];
  }
};

/**
 * The parse tree's error nodes, one diagnostic per line (the parser's recovery often adds more after the first). The
 * tree as the editor has parsed it so far (it parses in the background, in slices): the lint runs again as it grows.
 */
function syntaxErrors(view) {
  const { state } = view;
  const tree = syntaxTree(state);
  const found = [];
  const lines = new Set();
  tree.iterate({
    enter: (node) => {
      if (found.length >= MAX_SYNTAX_ERRORS) return false;
      if (!node.type.isError) return undefined;
      const line = state.doc.lineAt(node.from);
      if (lines.has(line.number)) return false;
      lines.add(line.number);
      const to = node.to > node.from ? node.to : Math.min(node.from + 1, line.to);
      const what = state.sliceDoc(node.from, to).trim();
      found.push({ from: node.from, to, severity: "error", source: "Syntax",
        message: what ? `Syntax error: unexpected “${what.slice(0, 40)}”` : "Syntax error" });
      return false;
    },
  });
  return found;
}

const SOURCES = { python: fromWorker("python"), lua: fromWorker("lua") };

// The page's colours (style.css) in light and dark, instead of the library's fixed ones.
const theme = EditorView.theme({
  ".cm-lintRange-error, .cm-lintRange-warning": { backgroundImage: "none", textDecorationLine: "underline",
    textDecorationStyle: "wavy", textDecorationSkipInk: "none", textUnderlineOffset: "3px" },
  ".cm-lintRange-error": { textDecorationColor: "var(--error)" },
  ".cm-lintRange-warning": { textDecorationColor: "var(--warn)" },
  ".cm-lintPoint:after": { borderBottomColor: "var(--error)" },
  ".cm-lintPoint-warning:after": { borderBottomColor: "var(--warn)" },
  ".cm-diagnostic": { color: "var(--fg)", fontFamily: "var(--font-ui)", fontSize: "13px" },
  ".cm-diagnostic-error": { borderLeftColor: "var(--error)" },
  ".cm-diagnostic-warning": { borderLeftColor: "var(--warn)" },
  ".cm-diagnosticSource": { color: "var(--muted)", opacity: "1" },
  ".cm-lint-marker-error, .cm-lint-marker-warning": { content: "normal", width: "0.6em", height: "0.6em", margin: "0.25em" },
  ".cm-lint-marker-error": { backgroundColor: "var(--error)", borderRadius: "50%" },
  ".cm-lint-marker-warning": { backgroundColor: "var(--warn)", clipPath: "polygon(50% 0, 100% 100%, 0 100%)" },
  ".cm-panel.cm-panel-lint ul [aria-selected]": { backgroundColor: "var(--editor-selection)" },
});

const made = new Map(); // language id -> its extension: the same value each time, so reconfiguring the editor for
// another reason (a setting, a chunk that loaded) keeps the linter and its findings instead of starting it again

/**
 * The lint of language `languageId`: its linter, its gutter and its colours (call again when the language changes).
 * @param {string} languageId
 */
export function lintExtension(languageId) {
  if (!made.has(languageId)) {
    const source = SOURCES[languageId];
    made.set(languageId, [
      // From the tree: again as it grows while the editor parses (and once the language's highlighting has loaded).
      source ? linter(source, { delay: DELAY_MS })
        : linter(syntaxErrors, { delay: DELAY_MS, needsRefresh: (update) => syntaxTree(update.state) !== syntaxTree(update.startState) }),
      lintGutter(),
      theme,
    ]);
  }
  return made.get(languageId);
}
