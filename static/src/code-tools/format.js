// Formats the editor's text (Ruff for Python, Prettier for JavaScript and TypeScript, in code-tools-worker.js) as
// ONE collaborative change that touches only what the formatter changed (code-tools/diff.js): other people's
// cursors and the characters around them stay, and an undo (Mod-z) reverts exactly the format for the person
// who formatted. Loaded on the first press of Format (ui/format-button.js).
//
// It imports nothing the first load has besides @codemirror/state and view (already in the first load's chunk): a
// module shared between this lazy file and the first load leaves the first load's files for a chunk of its own
// (esbuild), which costs the first load ~1 kB for @codemirror/commands. Hence the list below (the first load's
// copy is formattable.js; tests/node/format-diff.test.mjs checks they agree) and no isolateHistory (see the end).
import { ChangeSet, StateEffect } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { ask } from "./client.js";

const FORMATTED = ["python", "javascript", "typescript"];
const ONLY_FORMATTED = "Formatting is for Python, JavaScript and TypeScript";

/** Whether formatDocument formats language `languageId`. */
export const canFormat = (languageId) => FORMATTED.includes(languageId);

const inFlight = new Set(); // {view, changes}: what each view's text went through since its format was asked

/** Composes every change a view makes into the trackers of its formats in flight (its own typing and others'). */
function recordChanges(update) {
  if (!update.docChanged) return;
  for (const tracker of inFlight) if (tracker.view === update.view) tracker.changes = tracker.changes.compose(update.changes);
}

/** Whether `view`'s current state carries recordChanges (a state made anew, e.g. on a reconnect, does not). */
const tracked = (view) => view.state.facet(EditorView.updateListener).includes(recordChanges);

/**
 * Formats `view`'s text as language `languageId`; {changed: false} if it was formatted already. Throws an Error
 * with a message for people ("Not formatted: syntax error on line 3: …") and changes nothing then.
 * @param {EditorView} view
 * @param {string} languageId
 * @returns {Promise<{changed: boolean}>}
 */
export async function formatDocument(view, languageId) {
  if (!canFormat(languageId)) throw new Error(`${ONLY_FORMATTED}.`);
  if (view.state.readOnly) throw new Error("Not formatted: the editor is read-only.");
  if (!tracked(view)) view.dispatch({ effects: StateEffect.appendConfig.of(EditorView.updateListener.of(recordChanges)) });
  const text = view.state.doc.toString();
  const tracker = { view, changes: ChangeSet.empty(text.length) };
  inFlight.add(tracker);
  performance.mark("format-requested"); // read by tests and bench/format_bench.py
  let answer;
  try {
    answer = await ask({ type: "format", language: languageId, text });
  } catch (error) {
    throw new Error(error.syntax ? `Not formatted: syntax error on ${error.message}` : `Not formatted: ${error.message}`);
  } finally {
    inFlight.delete(tracker);
  }
  if (!answer.changes.length) return { changed: false };
  if (!tracked(view) || tracker.changes.newLength !== view.state.doc.length) {
    throw new Error("Not formatted: the text was reloaded meanwhile. Try again.");
  }
  if (view.state.readOnly) throw new Error("Not formatted: the editor became read-only.");
  // Edits made while the worker worked (anyone's) stay: the format is mapped over them. Where both insert at one
  // place, the format's whitespace goes first, so what was typed stays against the character it was typed before.
  const changes = ChangeSet.of(answer.changes, text.length).map(tracker.changes, true);
  view.dispatch({
    changes,
    // A cursor where the formatter inserted (spaces before its character) stays before its character.
    selection: view.state.selection.map(changes, 1),
    userEvent: "format", // not a typing event: the history starts a new event for it
  });
  // ...and ends that event now (isolateHistory "after"): the history joins typing to the previous event only while no
  // selection was recorded after it, so recording one keeps the next keystrokes out of the format's undo.
  view.dispatch({ selection: view.state.selection, userEvent: "select.format" });
  performance.mark("format-applied");
  return { changed: true };
}
