// CodeMirror setup: the extensions of the editor state, with this person's settings (settings/editor-settings.js):
// font size, tabs, wrapping and theme at once; keymaps, brackets, completion and lint from a module loaded once the
// editor is up (comfort/editor-comfort.js).
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
import { Compartment, EditorState, Facet, Prec } from "@codemirror/state";
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
import { EditorSettings } from "./settings/editor-settings.js";

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
  ".cm-scroller": { fontFamily: "var(--font-mono)", fontSize: "var(--editor-font-size, 14px)", lineHeight: "1.55" },
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

/** This person's editor settings (localStorage): every editor on the page follows them. */
export const settings = new EditorSettings();
const darkMode = new Compartment();
const languageSupport = new Compartment();
// This person's settings, and the extensions of comfort/editor-comfort.js once loaded (they depend on the language).
const personal = new Compartment();
let comfort = null; // comfort/editor-comfort.js's extensions(settings, languageId), once loaded
// Search (Ctrl+F, the selection's other matches) loads once the editor is up: it is not first-load code.
const searchSupport = new Compartment();
let searchExtensions = null; // once loaded
const views = new Set(); // every view made, for settings and late modules (a page has one or two)
const waitingForSearch = new Set();

const supports = new Map(); // language id -> its highlighting extension, once loaded
// The language a state is in (set with the personal extensions): what reconfiguring it keeps.
const languageIdFacet = Facet.define({ combine: (ids) => ids[0] ?? LANGUAGES[0].id });

function languageExtensions(id) {
  const language = languageById(id) ?? LANGUAGES[0];
  return supports.get(language.id) ?? [];
}

function personalExtensions(id) {
  const language = languageById(id) ?? LANGUAGES[0];
  const { tabSize, lineWrapping, fontSize } = settings.values;
  return [
    languageIdFacet.of(language.id),
    indentUnit.of(tabSize === "language" ? language.indentUnit : " ".repeat(tabSize)),
    EditorState.tabSize.of(tabSize === "language" ? 4 : tabSize),
    lineWrapping ? EditorView.lineWrapping : [],
    EditorView.editorAttributes.of({ style: `--editor-font-size: ${fontSize}px` }),
    comfort ? comfort.extensions(settings.values, language.id) : [],
  ];
}

/** The highlighting (if loaded yet), indentation and this person's settings for language `id`, for a new editor state. */
export function languageExtension(id) {
  return [languageSupport.of(languageExtensions(id)), personal.of(personalExtensions(id))];
}

/** Applies the settings, language `id` (by default the one it is in) and what has loaded since to a live editor. */
function reconfigure(view, id = view.state.facet(languageIdFacet)) {
  view.dispatch({ effects: [
    languageSupport.reconfigure(languageExtensions(id)),
    personal.reconfigure(personalExtensions(id)),
    darkMode.reconfigure(EditorView.darkTheme.of(settings.dark)),
  ] });
}

/** Switches a live editor to language `id`: indentation at once, highlighting as soon as it has loaded. */
export function setEditorLanguage(view, id) {
  const language = languageById(id) ?? LANGUAGES[0];
  reconfigure(view, language.id);
  if (supports.has(language.id)) return;
  language.loadSupport().then(({ support }) => {
    if (!supports.has(language.id)) supports.set(language.id, support());
    if (view.state.facet(languageIdFacet) === language.id) reconfigure(view);
  }, (error) => console.warn(`interview_server: no highlighting for ${language.id}:`, error));
}

settings.addEventListener("change", () => views.forEach((view) => reconfigure(view)));

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
    syntaxHighlighting(highlightStyle),
    bracketMatching(),
    rectangularSelection(),
    crosshairCursor(),
    highlightActiveLine(),
    // Above the default keymap, whose Mod-Enter inserts a blank line.
    Prec.highest(keymap.of([{ key: "Mod-Enter", run: () => (onRun(), true), preventDefault: true }])),
    keymap.of([...defaultKeymap, ...historyKeymap, ...foldKeymap, indentWithTab]),
    searchSupport.of(searchExtensions ?? []), // its keys after the default ones, as before it was lazy
    EditorView.contentAttributes.of({ "aria-label": "Code editor" }),
    // CodeMirror writes its styles into a <style> element: the page's CSP admits it by this nonce.
    EditorView.cspNonce.of(styleNonce),
    baseTheme,
    darkMode.of(EditorView.darkTheme.of(settings.dark)),
    extra,
  ];
}

/** A fresh editor state holding `doc`; `extra` carries the collab extension and listeners. */
export function createEditorState({ doc, onRun, extra = [], selection = undefined }) {
  return EditorState.create({ doc, selection, extensions: extensions({ onRun, extra }) });
}

/** Mounts a view in `parent`; it follows this person's settings from now on. */
export function createEditorView(parent, state) {
  const view = new EditorView({ state, parent });
  views.add(view);
  waitingForSearch.add(view);
  // Once the editor is up and the page idle, like the language's highlighting: the editor never waits for them.
  (globalThis.requestIdleCallback ?? ((callback) => setTimeout(callback, 200)))(() => loadSearch(), { timeout: 1000 });
  return view;
}

/** Loads search once and gives it to the views made so far (later states include it from the start). */
function loadSearch() {
  if (searchExtensions) {
    for (const view of waitingForSearch) view.dispatch({ effects: searchSupport.reconfigure(searchExtensions) });
    waitingForSearch.clear();
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
 * Loads the keymaps, bracket closing, completion and lint (comfort/editor-comfort.js) and gives them to every
 * editor; `page` carries what they report to (a toast for Vim's `:w`).
 */
export async function loadComfort(page) {
  if (comfort) return comfort;
  const { EditorComfort } = await import("./comfort/editor-comfort.js");
  comfort ??= new EditorComfort({ ...page, refresh: () => views.forEach((view) => reconfigure(view)) });
  views.forEach((view) => reconfigure(view));
  return comfort;
}

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
