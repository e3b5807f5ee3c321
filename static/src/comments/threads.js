// Comment threads (loaded on demand by loader.js): the threads this page may see, their anchors placed in the
// editor as remote cursors are (at the server's version, mapped through later updates and this page's unconfirmed
// edits with mapPos(pos, -1); anchors.js maps them through every transaction after that), and the messages that
// change them. panel.js shows them.
import { EditorView } from "@codemirror/view";
import * as protocol from "../protocol.js";
import { CommentsPanel } from "./panel.js";

// anchors.js and presence.js are first-load modules: they come through the page (`anchors`, `presence`), not as
// imports, so that esbuild keeps them in the entry's file instead of splitting them into shared chunks.
/** @typedef {typeof import("./anchors.js")} Anchors */

const DRAFT = "draft"; // the anchor of the comment being written
const OWN_KEY = (sessionId) => `interview-pad:own-comments:${sessionId}`;

export class CommentThreads extends EventTarget {
  /** @param {{connection: any, collab: any, presence: any, info: any, toast: any, sessionId: string, anchors: Anchors}} page */
  constructor({ connection, collab, presence, info, toast, sessionId, anchors }) {
    super();
    this.anchors = anchors;
    this.connection = connection;
    this.collab = collab;
    this.presence = presence;
    this.info = info;
    this.toast = toast;
    this.sessionId = sessionId;
    this.threads = new Map(); // id -> the thread as the server last sent it (in the order made)
    this.unplaced = new Set(); // ids whose server anchor is not in the editor yet (ahead of this page)
    this.own = new Set(loadOwn(sessionId)); // ids of comments this tab wrote (kept across a reload)
    connection.addEventListener("message", (/** @type {CustomEvent} */ { detail }) => this.receive(detail));
    // A new editor state (a resync) has no anchors: place them all again.
    collab.addEventListener("state-replaced", () => this.placeAll());
    collab.addEventListener("ready", () => this.placeAll());
  }

  receive({ type, data }) {
    if (type === "welcome") {
      // A reconnect: the threads come again (comment_threads, or none).
      this.threads.clear();
      this.unplaced.clear();
      this.collab.view?.dispatch({ effects: this.anchors.removeAnchors.of(null) });
      this.changed();
    } else if (type === "comment_threads") {
      for (const thread of data.threads ?? []) this.take(thread);
      this.place();
      this.changed();
    } else if (type === "comment_thread" && data.thread) {
      this.take(data.thread);
      this.place();
      this.changed(data.thread.id);
    } else if (type === "comment_removed") {
      this.threads.delete(data.thread);
      this.unplaced.delete(data.thread);
      this.collab.view?.dispatch({ effects: this.anchors.removeAnchors.of([data.thread]) });
      this.changed();
    } else if (type === "updates" && this.unplaced.size) {
      this.place();
    } else if (type === "error" && /^comment_\w+:/.test(String(data.message))) {
      this.toast.show(`Comment not saved: ${String(data.message).replace(/^\w+: /, "")}`);
    }
  }

  take(thread) {
    if (!thread || typeof thread.id !== "string") return;
    this.threads.set(thread.id, thread);
    this.unplaced.add(thread.id);
    const me = this.presence.me?.id;
    let learnt = false;
    for (const comment of thread.comments ?? []) {
      if (comment.participant !== me || this.own.has(comment.id)) continue;
      this.own.add(comment.id);
      learnt = true;
    }
    if (learnt) saveOwn(this.sessionId, this.own);
  }

  placeAll() {
    for (const id of this.threads.keys()) this.unplaced.add(id);
    this.place();
  }

  /** Puts the anchors not in the editor yet there, where their server version is reached (cursors.js's way). */
  place() {
    const view = this.collab.view;
    if (!view || !this.unplaced.size) return;
    const synced = this.collab.getVersion();
    const pending = this.presence.pendingChanges(view.state);
    const anchors = [];
    for (const id of this.unplaced) {
      const thread = this.threads.get(id);
      if (!thread || thread.version > synced) continue; // ahead: placed once the editor gets there
      this.unplaced.delete(id);
      const since = this.presence.changesSince(thread.version, synced); // undefined: not logged (the nearest place)
      const length = since ? since.length : pending ? pending.length : view.state.doc.length;
      const map = (pos) => {
        let mapped = Math.max(0, Math.min(length, pos));
        if (since) mapped = since.mapPos(mapped, -1);
        return pending ? pending.mapPos(mapped, -1) : mapped;
      };
      anchors.push({ id, from: map(thread.from), to: map(thread.to), open: !thread.resolved, hosts: thread.visibility === "hosts" });
    }
    if (anchors.length) view.dispatch({ effects: this.anchors.placeAnchors.of(anchors) });
  }

  /** The thread's anchor in the editor now ({from, to}), or null. */
  anchor(id) {
    return this.collab.view?.state.field(this.anchors.anchorField).get(id) ?? null;
  }

  changed(id = null) {
    this.dispatchEvent(new CustomEvent("change", { detail: id }));
  }

  // ---- what this person does ----

  /** Marks [from, to) as the range of the comment being written (it moves with edits until sent). */
  startDraft(from, to) {
    this.collab.view?.dispatch({ effects: [this.anchors.removeAnchors.of([DRAFT]), this.anchors.placeAnchors.of([{ id: DRAFT, from, to, open: true, hosts: false }])] });
  }

  cancelDraft() {
    this.collab.view?.dispatch({ effects: this.anchors.removeAnchors.of([DRAFT]) });
  }

  draftText() {
    const draft = this.anchor(DRAFT);
    return draft ? this.collab.view.state.sliceDoc(draft.from, draft.to) : "";
  }

  /** Sends the draft as a new thread; false (and why, in a toast) if it cannot go. */
  add(text, hostsOnly) {
    const view = this.collab.view;
    const draft = this.anchor(DRAFT);
    if (!view || !draft) return false;
    // Back to the server's version, as presence.js says where my cursor is.
    const back = this.presence.pendingChanges(view.state)?.invertedDesc;
    const from = back ? back.mapPos(draft.from, -1) : draft.from;
    const to = back ? back.mapPos(draft.to, -1) : draft.to;
    if (from >= to) {
      this.toast.show("The code you selected was deleted meanwhile: select code to comment on.");
      return false;
    }
    const message = protocol.commentAdd({ version: this.collab.getVersion(), from, to, text,
      visibility: hostsOnly && this.info.isHost ? "hosts" : "everyone" });
    if (!this.send(message)) return false;
    this.cancelDraft();
    return true;
  }

  reply(thread, text) {
    return this.send(protocol.commentReply(thread, text));
  }

  edit(thread, comment, text) {
    return this.send(protocol.commentEdit(thread, comment, text));
  }

  remove(thread, comment) {
    return this.send(protocol.commentDelete(thread, comment));
  }

  resolve(thread, resolved) {
    return this.send(protocol.commentResolve(thread, resolved));
  }

  send(message) {
    if (this.connection.send(message)) return true;
    this.toast.show("Not connected: the comment can be sent once the connection is back.");
    return false;
  }

  /** True for a comment this tab wrote (on this connection, or before a reload). */
  isOwn(comment) {
    return comment.participant === this.presence.me?.id || this.own.has(comment.id);
  }

  /** Moves the editor to a thread's code and selects it. */
  reveal(id) {
    const view = this.collab.view;
    const anchor = this.anchor(id);
    if (!view || !anchor) return;
    view.dispatch({ selection: { anchor: anchor.from, head: anchor.to },
      effects: EditorView.scrollIntoView(anchor.from, { y: "center" }) });
    view.focus();
  }
}

function loadOwn(sessionId) {
  try {
    return JSON.parse(sessionStorage.getItem(OWN_KEY(sessionId)) ?? "[]");
  } catch {
    return [];
  }
}

function saveOwn(sessionId, own) {
  try {
    sessionStorage.setItem(OWN_KEY(sessionId), JSON.stringify([...own].slice(-500)));
  } catch {
    // storage blocked: one's own comments stay known on this connection only
  }
}

/** Loads the threads' controller and panel, hands them the frames held so far; returns the panel. */
export function startComments({ held, tab, root, connection, collab, presence, info, toast, sessionId, anchors }) {
  const threads = new CommentThreads({ connection, collab, presence, info, toast, sessionId, anchors });
  const panel = new CommentsPanel({ root, threads, tab, info, collab });
  for (const frame of held) threads.receive(frame);
  return panel;
}
