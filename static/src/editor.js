// CodeMirror setup: the extensions of the editor state, themes that follow the OS colour scheme.
import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import {
  bracketMatching,
  foldGutter,
  foldKeymap,
  HighlightStyle,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from "@codemirror/language";
import { Compartment, EditorState, Prec } from "@codemirror/state";
import {
  crosshairCursor,
  drawSelection,
  dropCursor,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  rectangularSelection,
} from "@codemirror/view";
import { tags } from "@lezer/highlight";
import { LANGUAGES, languageById } from "./languages/index.js";

// Colours are CSS variables (style.css) so one style serves light and dark.
const highlightStyle = HighlightStyle.define([
  { tag: [tags.keyword, tags.controlKeyword, tags.operatorKeyword, tags.definitionKeyword], color: "var(--hl-keyword)" },
  { tag: [tags.string, tags.special(tags.string)], color: "var(--hl-string)" },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: "var(--hl-number)" },
  { tag: [tags.comment, tags.lineComment], color: "var(--hl-comment)", fontStyle: "italic" },
  { tag: [tags.function(tags.definition(tags.variableName)), tags.definition(tags.className)], color: "var(--hl-definition)" },
  { tag: [tags.function(tags.variableName), tags.function(tags.propertyName)], color: "var(--hl-call)" },
  { tag: [tags.className, tags.typeName, tags.standard(tags.variableName)], color: "var(--hl-type)" },
  { tag: [tags.self, tags.special(tags.variableName)], color: "var(--hl-keyword)", fontStyle: "italic" },
  { tag: [tags.operator, tags.punctuation, tags.bracket], color: "var(--hl-punctuation)" },
  { tag: tags.meta, color: "var(--hl-meta)" },
  { tag: tags.invalid, color: "var(--hl-invalid)" },
]);

const baseTheme = EditorView.theme({
  "&": { height: "100%", color: "var(--editor-fg)", backgroundColor: "var(--editor-bg)" },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": { fontFamily: "var(--font-mono)", lineHeight: "1.55" },
  ".cm-content": { caretColor: "var(--editor-caret)", padding: "10px 0" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--editor-caret)", borderLeftWidth: "2px" },
  ".cm-gutters": { backgroundColor: "var(--editor-bg)", color: "var(--editor-gutter-fg)", border: "none" },
  ".cm-lineNumbers .cm-gutterElement": { padding: "0 12px 0 16px" },
  ".cm-activeLine": { backgroundColor: "var(--editor-active-line)" },
  ".cm-activeLineGutter": { backgroundColor: "var(--editor-active-line)", color: "var(--editor-fg)" },
  "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection":
    { backgroundColor: "var(--editor-selection) !important" },
  "&.cm-focused .cm-matchingBracket": { backgroundColor: "var(--editor-bracket)", outline: "none" },
  ".cm-selectionMatch": { backgroundColor: "var(--editor-selection-match)" },
  ".cm-foldPlaceholder": { backgroundColor: "transparent", border: "1px solid var(--border)", color: "var(--muted)" },
  ".cm-panels": { backgroundColor: "var(--surface)", color: "var(--fg)" },
  ".cm-panels.cm-panels-top": { borderBottom: "1px solid var(--border)" },
  ".cm-tooltip": { backgroundColor: "var(--surface)", border: "1px solid var(--border)" },
});

const darkQuery = matchMedia("(prefers-color-scheme: dark)");
const darkMode = new Compartment();
const languageSupport = new Compartment();
// Search (Ctrl+F, the selection's other matches) loads once the editor is up: it is not first-load code.
const searchSupport = new Compartment();
let searchExtensions = null; // once loaded
const views = new Set(); // views waiting for it

const supports = new Map(); // language id -> its highlighting extension, once loaded
const wanted = new WeakMap(); // view -> the language id it should show

function languageExtensions(id) {
  const language = languageById(id) ?? LANGUAGES[0];
  return [supports.get(language.id) ?? [], indentUnit.of(language.indentUnit)];
}

/** The highlighting (if loaded yet) and indentation of language `id`, for a new editor state. */
export function languageExtension(id) {
  return languageSupport.of(languageExtensions(id));
}

/** Switches a live editor to language `id`: indentation at once, highlighting as soon as it has loaded. */
export function setEditorLanguage(view, id) {
  const language = languageById(id) ?? LANGUAGES[0];
  wanted.set(view, language.id);
  view.dispatch({ effects: languageSupport.reconfigure(languageExtensions(language.id)) });
  if (supports.has(language.id)) return;
  language.loadSupport().then(({ support }) => {
    if (!supports.has(language.id)) supports.set(language.id, support());
    if (wanted.get(view) === language.id) view.dispatch({ effects: languageSupport.reconfigure(languageExtensions(language.id)) });
  }, (error) => console.warn(`interview_server: no highlighting for ${language.id}:`, error));
}

const styleNonce = /** @type {HTMLMetaElement | null} */ (document.querySelector('meta[name="csp-nonce"]'))?.content ?? "";

/** The extensions of every editor state; `onRun` is called for Mod-Enter. */
function extensions({ onRun, extra }) {
  return [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    history(),
    foldGutter(),
    drawSelection(),
    dropCursor(),
    EditorState.allowMultipleSelections.of(true),
    indentOnInput(),
    EditorState.tabSize.of(4),
    syntaxHighlighting(highlightStyle),
    bracketMatching(),
    closeBrackets(),
    rectangularSelection(),
    crosshairCursor(),
    highlightActiveLine(),
    // Above the default keymap, whose Mod-Enter inserts a blank line.
    Prec.highest(keymap.of([{ key: "Mod-Enter", run: () => (onRun(), true), preventDefault: true }])),
    keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...foldKeymap, indentWithTab]),
    searchSupport.of(searchExtensions ?? []), // its keys after the default ones, as before it was lazy
    EditorView.contentAttributes.of({ "aria-label": "Code editor" }),
    // CodeMirror writes its styles into a <style> element: the page's CSP admits it by this nonce.
    EditorView.cspNonce.of(styleNonce),
    baseTheme,
    darkMode.of(EditorView.darkTheme.of(darkQuery.matches)),
    extra,
  ];
}

/** A fresh editor state holding `doc`; `extra` carries the collab extension and listeners. */
export function createEditorState({ doc, onRun, extra = [], selection = undefined }) {
  return EditorState.create({ doc, selection, extensions: extensions({ onRun, extra }) });
}

/** Mounts a view in `parent` and keeps its dark flag in step with the OS colour scheme. */
export function createEditorView(parent, state) {
  const view = new EditorView({ state, parent });
  views.add(view);
  // Once the editor is up and the page idle, like the language's highlighting: the editor never waits for it.
  (globalThis.requestIdleCallback ?? ((callback) => setTimeout(callback, 200)))(() => loadSearch(), { timeout: 1000 });
  darkQuery.addEventListener("change", () => {
    view.dispatch({ effects: darkMode.reconfigure(EditorView.darkTheme.of(darkQuery.matches)) });
  });
  return view;
}

/** Loads search once and gives it to the views made so far (later states include it from the start). */
function loadSearch() {
  if (searchExtensions) {
    for (const view of views) view.dispatch({ effects: searchSupport.reconfigure(searchExtensions) });
    views.clear();
    return;
  }
  if (loadSearch.started) return;
  loadSearch.started = true;
  import("@codemirror/search").then(({ highlightSelectionMatches, searchKeymap }) => {
    searchExtensions = [highlightSelectionMatches(), keymap.of(searchKeymap)];
    loadSearch();
  }, (error) => console.warn("interview_server: no search:", error));
}
loadSearch.started = false;

/**
 * Keeps the line being typed in view when the visible area shrinks (a phone's on-screen keyboard opening):
 * `view()` gives the editor, or null before it exists.
 */
export function keepCaretInView(view) {
  globalThis.visualViewport?.addEventListener("resize", () => {
    const editor = view();
    if (!editor?.hasFocus) return;
    editor.dispatch({ effects: EditorView.scrollIntoView(editor.state.selection.main.head, { y: "nearest", yMargin: 32 }) });
  });
}
