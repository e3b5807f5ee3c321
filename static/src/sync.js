// The sync core: keeps an EditorState in step with the server's authority over the session protocol
// (session_state, updates, push_rejected, error in; push, pull out). The page (collab.js) runs it
// around its EditorView; Node clients in tests and benchmarks run the same code around a HeadlessView,
// so the convergence fuzz proves this module, not a copy of it. No DOM here.
import { collab, getClientID, getSyncedVersion, receiveUpdates, sendableUpdates } from "@codemirror/collab";
import { ChangeSet, EditorSelection, EditorState } from "@codemirror/state";
import * as protocol from "./protocol.js";
import { MAX_PARTS_PER_PUSH, MAX_UPDATES_PER_PUSH } from "./protocol.js";

export const MESSAGE_ENVELOPE_BYTES = 1024; // room for {"type":"push","data":{"version":...,"updates":[...]}}
export const CLOSE_TOO_BIG = 1009;
const STORE_RETRY_MS = 1000; // how often edits refused with store_unavailable are sent again
const utf8 = new TextEncoder();

/**
 * What a view must offer the core (an EditorView does): the state, setState (no listeners run) and dispatch.
 * @typedef {{state: EditorState, setState(state: EditorState): void, dispatch(...input: any[]): void}} View
 */

/** A View without a DOM, for Node clients. */
export class HeadlessView {
  /**
   * `onChange(transactions)` runs after a dispatch that changed the document, as an update listener would.
   * @param {EditorState} state
   * @param {(transactions: import("@codemirror/state").Transaction[]) => void} [onChange]
   */
  constructor(state, onChange = () => {}) {
    this.state = state;
    this.onChange = onChange;
  }

  setState(state) {
    this.state = state;
  }

  /** As EditorView.dispatch: transactions (one, or an array of them in order) or specs of one transaction. */
  dispatch(...input) {
    const items = input.length === 1 && Array.isArray(input[0]) ? input[0] : input;
    const transactions = items[0]?.startState ? items : [this.state.update(...items)];
    for (const transaction of transactions) this.state = transaction.state;
    if (transactions.some((transaction) => transaction.docChanged)) this.onChange(transactions);
  }
}

/**
 * `connection`: {isOpen, send(text) -> bool}; its owner calls reset() when it opens or closes and
 * handle(message) for every frame. Subclasses make the view (newView) and the state's other extensions
 * (extensions); the view must call maybePush() after every change of the document.
 *
 * Versions said to the server are the server's: the core confirms its own updates that came to change
 * nothing (both sides deleted the same text) by itself, since the server refuses no-ops (`noop_refused`),
 * so the collab version runs `skipped` ahead of the server's.
 *
 * Events: `ready` (the view exists), `state-replaced` (detail: {reason: "resync"|"dropped", discarded:
 * unconfirmed updates replaced by at most one}), `noops-confirmed` (detail: count), `pushed` (detail:
 * {version, count}), `too-large` (detail: the byte limit; an edit was undone), `document-full` (detail:
 * the document's byte limit; an edit that would pass it was undone), `notice` (detail: text),
 * `server-error` (detail: message), `refused` (detail: "locked" or "ended": kept, sent once
 * allowEditing(true)), `saving-paused` / `saving-resumed` (the server cannot reach its storage: edits are
 * kept and sent again every second / one of ours landed).
 */
export class SyncClient extends EventTarget {
  constructor({ connection, clientID = undefined, maxMessageBytes = 1024 * 1024, maxDocumentBytes = 512 * 1024,
    maxUpdatesPerPush = MAX_UPDATES_PER_PUSH, rebase = true }) {
    super();
    this.connection = connection;
    this.clientID = clientID; // kept across resyncs; collab picks one if undefined
    this.maxMessageBytes = maxMessageBytes; // the server closes the socket on anything larger
    this.maxDocumentBytes = maxDocumentBytes; // the server refuses edits that make the document bigger
    this.maxUpdatesPerPush = maxUpdatesPerPush;
    this.rebase = rebase; // pushes ask the server to rebase them if stale (as the page does)
    /** @type {View | null} */
    this.view = null;
    this.syncedDoc = null; // the text at the synced version
    this.skipped = 0; // own no-op updates confirmed here, not by the server, since the state was made
    this.inFlight = false; // at most one push awaits its answer
    this.caughtUp = false; // this connection has seen session_state and pulled what it missed
    this.seenState = false; // a session_state arrived on this connection
    this.pullSentAt = -1; // server version of the last pull, so a gap asks once
    this.target = null; // {version, code} of the last session_state, checked once reached
    this.editable = true; // false: unconfirmed edits wait, unsent (a lock, the end of the interview)
    this.errorStreak = 0;
    this.retryTimer = null;
    this.savingPaused = false; // the server said it cannot reach its storage; our edits wait (store_unavailable)
    this.retryAt = 0; // while saving is paused, the next push waits until then
    /**
     * My selection to send with a push that leaves nothing unconfirmed, given the server's version after it;
     * null: none (set by the page's presence).
     * @type {((versionAfter: number) => {anchor: number, head: number}[] | null) | null}
     */
    this.cursorForPush = null;
    this.pushCarriedCursor = false; // the last push carried my selection
  }

  // ---- for subclasses ----

  /**
   * The view around `state`: an EditorView on the page. It calls maybePush() after document changes.
   * @param {EditorState} state
   * @returns {View}
   */
  newView(state) {
    return new HeadlessView(state, () => this.maybePush());
  }

  /** Extensions of every state besides collab's. */
  extensions() {
    return [];
  }

  newState(doc, extensions) {
    return EditorState.create({ doc, extensions });
  }

  // ---- reading ----

  /** The server's version this editor has synced up to. */
  get version() {
    return this.view ? getSyncedVersion(this.view.state) - this.skipped : 0;
  }

  /** A push carrying my selection awaits its answer: the page sends no separate cursor meanwhile. */
  get cursorInFlight() {
    return this.inFlight && this.pushCarriedCursor;
  }

  /** Number of local updates the server has not confirmed. */
  pendingCount() {
    return this.view ? sendableUpdates(this.view.state).length : 0;
  }

  // ---- the connection ----

  reset() {
    this.inFlight = false;
    this.caughtUp = false;
    this.seenState = false;
    this.pullSentAt = -1;
  }

  handle({ type, data }) {
    if (type === "session_state") this.onSessionState(data);
    else if (type === "updates") this.onUpdates(data);
    else if (type === "push_rejected") this.onPushRejected(data);
    else if (type === "error") this.onError(data);
  }

  onSessionState({ code, version }) {
    const firstOnThisConnection = !this.seenState;
    this.seenState = true;
    this.target = { version, code };
    if (!this.view) {
      this.view = this.newView(this.createState(code, version));
      this.caughtUp = true;
      this.emit("ready");
      return;
    }
    const synced = this.version;
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
    const synced = this.version;
    if (version > synced) {
      this.pull(synced); // a gap: ask for what we missed, ignore this batch
      return;
    }
    const fresh = updates.slice(synced - version);
    if (fresh.length > 0) {
      const state = this.view.state;
      const ours = getClientID(state);
      if (fresh.some((update) => update.clientID === ours)) {
        this.inFlight = false;
        this.errorStreak = 0;
        this.storePaused(false);
      }
      const parsed = fresh.map((u) => ({ clientID: u.clientID, changes: ChangeSet.fromJSON(u.changes) }));
      this.syncedDoc = parsed.reduce((doc, u) => u.changes.apply(doc), this.syncedDoc);
      this.view.dispatch(receiveOneByOne(state, parsed));
    }
    if (!this.caughtUp && this.version >= this.target.version) this.reachedTarget();
    else this.maybePush();
  }

  onPushRejected({ version }) {
    this.inFlight = false;
    if (!this.view) return;
    const synced = this.version;
    if (synced >= version) this.maybePush();
    else this.pull(synced); // the updates arrive, then we push again
  }

  onError({ message, code }) {
    if (String(message).startsWith("board_")) return; // the whiteboard's (board/board-sync.js), not the code's
    // Delayed, not refused; or a refused connection, which the status says (the socket closes next).
    if (code === "rate_limited" || code === "session_full" || code === "too_many_connections") return;
    if (code === "cursor_refused") return; // a cursor too old to place: the next selection is sent at a newer version
    if (code === "store_unavailable" && String(message).startsWith("push:")) {
      // The server cannot reach its storage: nothing was applied and nothing is lost. Kept here, sent again
      // every second until it lands (no backoff: the outage may end any moment, and the refusal costs nothing).
      this.inFlight = false;
      this.retryAt = Date.now() + STORE_RETRY_MS; // typing meanwhile does not push: the retry carries it all
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.maybePush(), STORE_RETRY_MS);
      this.storePaused(true);
      return;
    }
    if (code === "locked" || code === "ended") {
      // Refused whole, kept here: sent when editing is allowed again (allowEditing), or retried later in
      // case that news crossed this answer.
      this.inFlight = false;
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.maybePush(), 3000);
      this.emit("refused", code);
      return;
    }
    // Not about edits: the page says what it means.
    if (code === "host_only" || code === "bad_host_key" || code === "name_refused") return;
    if (code === "store_unavailable") return; // another message than a push (chat, notes...): the page says so
    if (code === "noop_refused") {
      // We never push no-ops (confirmNoops); a session_state follows to resync from.
      this.inFlight = false;
      return;
    }
    if (code === "document_too_large" && this.view && this.pendingCount() > 0) {
      // The server's limit is lower than we thought (or counts differently): undo the newest edit.
      this.inFlight = false;
      this.dropUnconfirmed(this.pendingCount() - 1);
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

  /** Saving is paused (the server cannot reach its storage) or resumed: `saving-paused` / `saving-resumed`. */
  storePaused(paused) {
    if (paused === this.savingPaused) return;
    this.savingPaused = paused;
    this.emit(paused ? "saving-paused" : "saving-resumed");
  }

  /** The socket closed with `code`: 1009 means a message was too big after all, so aim lower. */
  onClose(code) {
    if (code === CLOSE_TOO_BIG) this.maxMessageBytes = Math.floor(this.maxMessageBytes / 2);
    this.reset();
  }

  /** Lets unconfirmed edits be sent, or makes them wait (a lock, the end of the interview). */
  allowEditing(editable) {
    this.editable = editable;
    if (editable) this.maybePush();
  }

  // ---- pushing ----

  /** The server's state at this connection's session_state is reached: check it, then push. */
  reachedTarget() {
    const exact = this.version === this.target.version;
    if (exact && this.syncedDoc.toString() !== this.target.code) {
      // Same version, different text: the server's history is not ours (e.g. it restarted).
      this.resync(this.target.code, this.target.version);
      return;
    }
    this.caughtUp = true;
    this.maybePush();
  }

  maybePush() {
    if (!this.view || !this.caughtUp || this.inFlight) return;
    if (this.savingPaused && Date.now() < this.retryAt) return;
    this.confirmNoops();
    if (!this.editable || !this.connection.isOpen) return;
    const updates = sendableUpdates(this.view.state);
    if (updates.length === 0) return;
    const overflowing = this.firstOverflowing(updates);
    if (overflowing >= 0) {
      this.dropUnconfirmed(overflowing);
      this.emit("document-full", this.maxDocumentBytes);
      return;
    }
    // As many updates as fit in one message, up to the first no-op (confirmed here once it is first).
    const budget = this.maxMessageBytes - MESSAGE_ENVELOPE_BYTES;
    const payload = [];
    let size = 0;
    let parts = 0;
    for (const update of updates) {
      if (update.changes.empty) break;
      const entry = { clientID: update.clientID, changes: update.changes.toJSON() };
      const bytes = utf8.encode(JSON.stringify(entry)).length + 1;
      if (size + bytes > budget || payload.length === this.maxUpdatesPerPush) break;
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
    const version = this.version;
    const complete = payload.length === updates.length;
    const cursor = complete && this.cursorForPush ? this.cursorForPush(version + payload.length) : null;
    if (this.connection.send(protocol.push(version, payload, this.rebase, cursor))) {
      this.inFlight = true;
      this.pushCarriedCursor = cursor !== null;
      this.emit("pushed", { version, count: payload.length });
    }
  }

  /**
   * Confirms, here, own unconfirmed updates at the front that change nothing (an edit whose text another
   * participant deleted first): the server takes no version for them, so the collab version moves one
   * ahead of the server's for each (`skipped`). Only with nothing in flight and caught up: an update of
   * ours the server accepted (and rebased to nothing) has then already come back.
   */
  confirmNoops() {
    let state = this.view.state;
    const ours = getClientID(state);
    const transactions = [];
    for (let first = sendableUpdates(state)[0]; first && first.changes.empty; first = sendableUpdates(state)[0]) {
      const transaction = receiveUpdates(state, [{ clientID: ours, changes: first.changes }]);
      transactions.push(transaction);
      state = transaction.state;
    }
    if (transactions.length === 0) return;
    this.skipped += transactions.length;
    this.view.dispatch(transactions);
    this.emit("noops-confirmed", transactions.length);
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
    const before = composeAll(updates.slice(0, index)); // syncedDoc -> the text the dropped edit was made on
    const docBefore = before ? before.apply(this.syncedDoc) : this.syncedDoc;
    const inverse = updates[index].changes.invert(docBefore);
    const later = composeAll(updates.slice(index + 1));
    const replayed = later ? later.map(inverse) : null; // the later edits, as if the dropped one never was
    const kept = before && replayed ? before.compose(replayed) : before ?? replayed;
    this.view.setState(this.createState(this.syncedDoc.toString(), this.version));
    this.emit("state-replaced", { reason: "dropped", discarded: updates.length });
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
    const composed = composeAll(unconfirmed);
    const confirmed = this.syncedDoc.toString();
    const next = this.createState(code, version);
    let changes = null;
    if (composed && composed.length === confirmed.length) changes = composed.map(diffChanges(confirmed, code));
    this.view.setState(next);
    this.emit("state-replaced", { reason: "resync", discarded: unconfirmed.length });
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

  /** A state holding `code` at the server's `version`, with nothing unconfirmed. */
  createState(code, version) {
    if (this.view) this.clientID = getClientID(this.view.state);
    const config = this.clientID ? { startVersion: version, clientID: this.clientID } : { startVersion: version };
    const state = this.newState(code, [this.extensions(), collab(config)]);
    this.clientID = getClientID(state);
    this.syncedDoc = state.doc;
    this.skipped = 0;
    return state;
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/**
 * The changes of `updates` composed into one, or null for none.
 * @param {readonly {changes: ChangeSet}[]} updates
 * @returns {ChangeSet | null}
 */
function composeAll(updates) {
  let all = null;
  for (const update of updates) all = all ? all.compose(update.changes) : update.changes;
  return all;
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
