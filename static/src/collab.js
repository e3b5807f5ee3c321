// The @codemirror/collab client: keeps the editor in step with the server's authority.
import { collab, getClientID, getSyncedVersion, receiveUpdates, sendableUpdates } from "@codemirror/collab";
import { ChangeSet, Compartment, EditorSelection, EditorState } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { createEditorState, createEditorView } from "./editor.js";
import * as protocol from "./protocol.js";
import { MAX_PARTS_PER_PUSH, MAX_UPDATES_PER_PUSH } from "./protocol.js";

const MESSAGE_ENVELOPE_BYTES = 1024; // room for {"type":"push","data":{"version":...,"updates":[...]}}
const CLOSE_TOO_BIG = 1009;
const utf8 = new TextEncoder();

/**
 * Events: `too-large` (detail: the byte limit; an edit was undone), `document-full` (detail: the document's
 * byte limit; an edit that would pass it was undone), `participants` (detail: count), `notice` (detail: text for the output panel),
 * `server-error` (detail: message), `ready` (the editor exists), `state-replaced` (a resync gave
 * the editor a new state: decorations from before are gone), `refused` (detail: "locked" or "ended": the
 * server would not take an edit; it is kept, and sent once `allowEditing(true)` says editing is allowed again).
 */
export class CollabClient extends EventTarget {
  /** `extensions()` gives extra CodeMirror extensions for every editor state (cursors, language). */
  constructor({ connection, parent, onRun, maxMessageBytes = 1024 * 1024, maxDocumentBytes = 512 * 1024,
    extensions = () => [] }) {
    super();
    this.extensions = extensions;
    this.maxDocumentBytes = maxDocumentBytes; // the server refuses edits that make the document bigger
    this.maxMessageBytes = maxMessageBytes; // the server closes the socket on anything larger
    this.errorStreak = 0;
    this.retryTimer = null;
    this.connection = connection;
    this.parent = parent;
    this.onRun = onRun;
    this.view = null;
    this.inFlight = false; // at most one push awaits its answer
    this.caughtUp = false; // this connection has seen session_state and pulled what it missed
    this.seenState = false; // a session_state arrived on this connection
    this.pullSentAt = -1; // synced version of the last pull, so a gap asks once
    this.target = null; // {version, code} of the last session_state, checked once reached
    // False while a host has locked editing (or the interview ended): the editor is read-only and
    // unconfirmed edits wait, unsent.
    this.editable = true;
    this.editability = new Compartment();
    connection.addEventListener("open", () => this.reset());
    connection.addEventListener("close", ({ detail }) => {
      // 1009: a message was too big after all; aim lower so an oversized edit is dropped, not re-sent forever.
      if (detail?.code === CLOSE_TOO_BIG) this.maxMessageBytes = Math.floor(this.maxMessageBytes / 2);
      this.reset();
    });
    connection.addEventListener("message", (event) => this.handle(event.detail));
  }

  /** Text of the editor ("" before the first session_state). */
  getText() {
    return this.view ? this.view.state.doc.toString() : "";
  }

  /** The collab version this editor has synced up to. */
  /** Replaces the whole text with `code` as one local edit (shared like typing); false before the editor exists. */
  replaceText(code) {
    if (!this.view) return false;
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: code } });
    return true;
  }

  getVersion() {
    return this.view ? getSyncedVersion(this.view.state) : 0;
  }

  /** Number of local updates the server has not confirmed. */
  pendingCount() {
    return this.view ? sendableUpdates(this.view.state).length : 0;
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
    if (editable) this.maybePush();
  }

  reset() {
    this.inFlight = false;
    this.caughtUp = false;
    this.seenState = false;
    this.pullSentAt = -1;
  }

  handle({ type, data }) {
    try {
      if (type === "session_state") this.onSessionState(data);
      else if (type === "updates") this.onUpdates(data);
      else if (type === "push_rejected") this.onPushRejected(data);
      else if (type === "user_joined" || type === "user_left") this.emit("participants", data.user_count);
      else if (type === "error") this.onError(data);
    } catch (error) {
      // A malformed message must not take the page down; the next session_state heals it.
      console.error("interview_server: could not handle", type, error);
    }
  }

  onSessionState({ code, version, active_users: activeUsers }) {
    if (typeof activeUsers === "number") this.emit("participants", activeUsers);
    const firstOnThisConnection = !this.seenState;
    this.seenState = true;
    this.target = { version, code };
    if (!this.view) {
      this.view = createEditorView(this.parent, this.createState(code, version));
      this.caughtUp = true;
      this.emit("ready");
      return;
    }
    const synced = getSyncedVersion(this.view.state);
    if (firstOnThisConnection && version >= synced) {
      this.inFlight = false;
      if (version > synced) this.pull(synced);
      else this.reachedTarget();
    } else {
      this.resync(code, version);
    }
  }

  onUpdates({ version, updates }) {
    if (!this.view || !this.seenState) return;
    const state = this.view.state;
    const synced = getSyncedVersion(state);
    if (version > synced) {
      this.pull(synced); // a gap: ask for what we missed, ignore this batch
      return;
    }
    const fresh = updates.slice(synced - version);
    if (fresh.length > 0) {
      const ours = getClientID(state);
      if (fresh.some((update) => update.clientID === ours)) {
        this.inFlight = false;
        this.errorStreak = 0;
      }
      const parsed = fresh.map((u) => ({ clientID: u.clientID, changes: ChangeSet.fromJSON(u.changes) }));
      this.syncedDoc = parsed.reduce((doc, u) => u.changes.apply(doc), this.syncedDoc);
      this.view.dispatch(receiveOneByOne(state, parsed));
    }
    if (!this.caughtUp && getSyncedVersion(this.view.state) >= this.target.version) this.reachedTarget();
    else this.maybePush();
  }

  onPushRejected({ version }) {
    this.inFlight = false;
    if (!this.view) return;
    const synced = getSyncedVersion(this.view.state);
    if (synced >= version) this.maybePush();
    else this.pull(synced); // the updates arrive, then we push again
  }

  onError({ message, code }) {
    console.warn("interview_server: server error:", message);
    // Delayed, not refused; or a refused connection, which the status says (the socket closes next).
    if (code === "rate_limited" || code === "session_full" || code === "too_many_connections") return;
    if (code === "cursor_refused") return; // a cursor too old to place: the next selection is sent at a newer version
    if (code === "locked" || code === "ended") {
      // Refused whole, kept here: sent when the page learns editing is allowed again (allowEditing), or
      // retried later in case that news crossed this answer.
      this.inFlight = false;
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.maybePush(), 3000);
      this.emit("refused", code);
      return;
    }
    // Not about edits: the page says what it means.
    if (code === "host_only" || code === "bad_host_key" || code === "name_refused") return;
    if (code === "document_too_large" && this.view && sendableUpdates(this.view.state).length > 0) {
      // The server's limit is lower than we thought (or counts differently): undo the newest edit.
      this.inFlight = false;
      this.dropUnconfirmed(sendableUpdates(this.view.state).length - 1);
      this.emit("document-full", this.maxDocumentBytes);
      return;
    }
    // The push (if any) was refused whole: try again later, backing off while errors repeat.
    this.inFlight = false;
    this.errorStreak += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.maybePush(), Math.min(30000, 500 * 2 ** this.errorStreak));
    this.emit("server-error", String(message ?? "Unknown error"));
  }

  /** The server's state at this connection's session_state is reached: check it, then push. */
  reachedTarget() {
    const exact = getSyncedVersion(this.view.state) === this.target.version;
    if (exact && this.syncedDoc.toString() !== this.target.code) {
      // Same version, different text: the server's history is not ours (e.g. it restarted).
      this.resync(this.target.code, this.target.version);
      return;
    }
    this.caughtUp = true;
    this.maybePush();
  }

  maybePush() {
    if (!this.view || !this.caughtUp || this.inFlight || !this.editable || !this.connection.isOpen) return;
    const updates = sendableUpdates(this.view.state);
    if (updates.length === 0) return;
    const overflowing = this.firstOverflowing(updates);
    if (overflowing >= 0) {
      this.dropUnconfirmed(overflowing);
      this.emit("document-full", this.maxDocumentBytes);
      return;
    }
    // Send as many updates as fit in one message; the server confirms them in order.
    const budget = this.maxMessageBytes - MESSAGE_ENVELOPE_BYTES;
    const payload = [];
    let size = 0;
    let parts = 0;
    for (const update of updates) {
      const entry = { clientID: update.clientID, changes: update.changes.toJSON() };
      const bytes = utf8.encode(JSON.stringify(entry)).length + 1;
      if (size + bytes > budget || payload.length === MAX_UPDATES_PER_PUSH) break;
      if (parts + entry.changes.length > MAX_PARTS_PER_PUSH) break;
      payload.push(entry);
      size += bytes;
      parts += entry.changes.length;
    }
    if (payload.length === 0) {
      this.dropUnconfirmed(0); // one edit alone is bigger than the server accepts
      this.emit("too-large", this.maxMessageBytes);
      return;
    }
    if (this.connection.send(protocol.push(getSyncedVersion(this.view.state), payload))) this.inFlight = true;
  }

  /** The index of the first unconfirmed edit that makes the document bigger than the server allows, or -1. */
  firstOverflowing(updates) {
    let doc = this.syncedDoc;
    let bytes = null; // counted only near the limit: a UTF-16 unit is at most 3 UTF-8 bytes
    for (let index = 0; index < updates.length; index++) {
      const next = updates[index].changes.apply(doc);
      if (next.length * 3 > this.maxDocumentBytes && next.length > doc.length) {
        bytes ??= utf8.encode(doc.toString()).length;
        const nextBytes = utf8.encode(next.toString()).length;
        if (nextBytes > this.maxDocumentBytes && nextBytes > bytes) return index;
        bytes = nextBytes;
      } else {
        bytes = null;
      }
      doc = next;
    }
    return -1;
  }

  /** Undo the unconfirmed edit at `index` (a paste too big to send or to keep), keeping the others. */
  dropUnconfirmed(index) {
    const old = this.view.state;
    const updates = sendableUpdates(old);
    const compose = (list) => list.reduce((all, u) => (all ? all.compose(u.changes) : u.changes), null);
    const before = compose(updates.slice(0, index)); // syncedDoc -> the text the dropped edit was made on
    const docBefore = before ? before.apply(this.syncedDoc) : this.syncedDoc;
    const inverse = updates[index].changes.invert(docBefore);
    const later = compose(updates.slice(index + 1));
    const replayed = later ? later.map(inverse) : null; // the later edits, as if the dropped one never was
    const kept = before && replayed ? before.compose(replayed) : before ?? replayed;
    this.view.setState(this.createState(this.syncedDoc.toString(), getSyncedVersion(old), getClientID(old)));
    this.emit("state-replaced");
    const length = kept ? kept.newLength : this.syncedDoc.length;
    this.view.dispatch({ changes: kept ?? undefined, selection: clampSelection(old.selection, length) });
    this.maybePush();
  }

  pull(version) {
    this.caughtUp = false;
    if (this.pullSentAt === version) return;
    if (this.connection.send(protocol.pull(version))) this.pullSentAt = version;
  }

  /**
   * Full resync: adopt the server's text and version, then rebase the unconfirmed edits over the
   * difference between the text we last had confirmed and the server's, so they still land.
   */
  resync(code, version) {
    const old = this.view.state;
    const unconfirmed = sendableUpdates(old);
    const composed = unconfirmed.reduce((all, u) => (all ? all.compose(u.changes) : u.changes), null);
    const confirmed = this.syncedDoc.toString();
    const next = this.createState(code, version, getClientID(old));
    let changes = null;
    if (composed && composed.length === confirmed.length) changes = composed.map(diffChanges(confirmed, code));
    this.view.setState(next);
    this.emit("state-replaced");
    this.inFlight = false;
    this.caughtUp = true;
    this.pullSentAt = -1;
    const length = changes ? changes.newLength : code.length;
    this.view.dispatch({ changes: changes ?? undefined, selection: clampSelection(old.selection, length) });
    if (composed && !composed.empty && !changes) {
      this.emit("notice", "The document was reset by the server; your last unsaved edits could not be re-applied.");
    }
    this.maybePush();
  }

  createState(code, version, clientID) {
    this.syncedDoc = null;
    const state = createEditorState({
      doc: code,
      onRun: this.onRun,
      extra: [
        this.extensions(),
        this.editability.of(EditorState.readOnly.of(!this.editable)),
        collab(clientID ? { startVersion: version, clientID } : { startVersion: version }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) this.maybePush();
        }),
      ],
    });
    this.syncedDoc = state.doc;
    return state;
  }

  /** Asks the browser to confirm leaving while edits are unconfirmed. */
  guardUnload() {
    addEventListener("beforeunload", (event) => {
      if (this.pendingCount() === 0) return;
      event.preventDefault();
      event.returnValue = "";
    });
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/** One replacement turning `from` into `to` (common prefix and suffix kept), as a ChangeSet. */
function diffChanges(from, to) {
  let prefix = 0;
  const limit = Math.min(from.length, to.length);
  while (prefix < limit && from.charCodeAt(prefix) === to.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < limit - prefix && from.charCodeAt(from.length - 1 - suffix) === to.charCodeAt(to.length - 1 - suffix)) suffix++;
  return ChangeSet.of([{ from: prefix, to: from.length - suffix, insert: to.slice(prefix, to.length - suffix) }], from.length);
}

function clampSelection(selection, length) {
  return EditorSelection.create(
    selection.ranges.map((r) => EditorSelection.range(Math.min(r.anchor, length), Math.min(r.head, length))),
    selection.mainIndex,
  );
}

/**
 * receiveUpdates for each update in turn: unconfirmed edits are moved over every received update one
 * after another, never over several composed, exactly as the server moves a stale push made with
 * `rebase: true` (interview_server/rebase.py). The two orders can place concurrent text differently.
 */
function receiveOneByOne(state, updates) {
  const transactions = [];
  for (const update of updates) {
    const transaction = receiveUpdates(state, [update]);
    transactions.push(transaction);
    state = transaction.state;
  }
  return transactions;
}
