// The page's collaborative editor: the sync core (sync.js) around a CodeMirror EditorView.
import { Compartment, EditorState } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { createEditorState, createEditorView } from "./editor.js";
import { SyncClient } from "./sync.js";

/**
 * Events: those of SyncClient (sync.js), and `participants` (detail: count).
 */
export class CollabClient extends SyncClient {
  /** `extensions()` gives extra CodeMirror extensions for every editor state (cursors, language). */
  constructor({ connection, parent, onRun, maxMessageBytes = 1024 * 1024, maxDocumentBytes = 512 * 1024,
    extensions = () => [] }) {
    super({ connection, maxMessageBytes, maxDocumentBytes });
    this.pageExtensions = extensions;
    this.parent = parent;
    this.onRun = onRun;
    // Read-only while a host has locked editing (or the interview ended).
    this.editability = new Compartment();
    connection.addEventListener("open", () => this.reset());
    connection.addEventListener("close", (/** @type {CustomEvent} */ { detail }) => this.onClose(detail?.code));
    connection.addEventListener("message", (event) => this.handle(event.detail));
  }

  newView(state) {
    return createEditorView(this.parent, state);
  }

  newState(doc, extensions) {
    return createEditorState({ doc, onRun: this.onRun, extra: extensions });
  }

  extensions() {
    return [
      this.pageExtensions(),
      this.editability.of(EditorState.readOnly.of(!this.editable)),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) this.maybePush();
      }),
    ];
  }

  handle(message) {
    const { type, data } = message;
    try {
      if (type === "user_joined" || type === "user_left") {
        this.emit("participants", data.user_count);
        return;
      }
      if (type === "session_state" && typeof data.active_users === "number") this.emit("participants", data.active_users);
      super.handle(message);
    } catch (error) {
      // A malformed message must not take the page down; the next session_state heals it.
      console.error("interview_server: could not handle", type, error);
    }
  }

  onError(data) {
    console.warn("interview_server: server error:", data.message);
    super.onError(data);
  }

  /** Text of the editor ("" before the first session_state). */
  getText() {
    return this.view ? this.view.state.doc.toString() : "";
  }

  /** Replaces the whole text with `code` as one local edit (shared like typing); false before the editor exists. */
  replaceText(code) {
    if (!this.view) return false;
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: code } });
    return true;
  }

  /** The server's version this editor has synced up to. */
  getVersion() {
    return this.version;
  }

  /** Socket open and in step with the server. */
  isConnected() {
    return this.connection.isOpen && this.caughtUp;
  }

  /** Lets this person edit, or not (a lock, the end of the interview): then the editor is read-only and
   * unconfirmed edits stay unsent; allowing again sends them. */
  allowEditing(editable) {
    this.editable = editable;
    this.view?.dispatch({ effects: this.editability.reconfigure(EditorState.readOnly.of(!editable)) });
    super.allowEditing(editable);
  }

  /** Asks the browser to confirm leaving while edits are unconfirmed. */
  guardUnload() {
    addEventListener("beforeunload", (event) => {
      if (this.pendingCount() === 0) return;
      event.preventDefault();
      event.returnValue = "";
    });
  }
}
