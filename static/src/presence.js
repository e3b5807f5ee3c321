// Who is here: my name, everyone's colour, their live cursors in the editor, and following one of them.
import { sendableUpdates } from "@codemirror/collab";
import { ChangeSet, Transaction } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { placeRemoteCursor, remoteCursorExtension, remoteCursorField, syncRemotePeople } from "./cursors.js";
import * as protocol from "./protocol.js";
import { MAX_CURSOR_RANGES } from "./protocol.js";
import { NameDialog, cleanName } from "./ui/name-dialog.js";
import { ParticipantList } from "./ui/participants.js";

const NAME_KEY = "interview-pad:name";
const CURSOR_THROTTLE_MS = 60; // trailing: the latest selection goes out at most this often
const UPDATE_LOG_SIZE = 500; // recent updates kept to place a cursor that arrives a little late
const FOLLOW_MARGIN_PX = 48;

/**
 * Events: `participants` (detail: [{id, name, color, role, call}]), `me` (detail: {id, name, color}).
 */
export class Presence extends EventTarget {
  /** `hostKey`: the key from the host link (host-link.js), said in `hello` to join as a host. */
  /** `list`, `count`, `popover`, `all`: the participant chips, the count button and everyone's list (ui/participants.js). */
  /** `linkName`: a name the link gives (an LMS launch: #name=…): taken as this person's, with no dialog. */
  constructor({ connection, list, count, popover = null, all = null, dialog, hostKey = null, authorKey = null, linkName = null }) {
    super();
    this.connection = connection;
    this.hostKey = hostKey;
    this.authorKey = authorKey; // said in hello: my comments stay mine after a reload (comments/author-key.js)
    this.list = new ParticipantList(list, count, { popover, all });
    this.dialog = new NameDialog(dialog);
    this.me = null; // {id, name, color} on this connection, from `welcome`
    this.people = [];
    this.collab = null;
    this.name = cleanName(linkName ?? "") || loadName(); // the link's, the remembered one, or null ("Guest")
    if (linkName && this.name) saveName(this.name);
    this.latest = new Map(); // id -> the last `cursor` message from them (+ `placed` once in the editor)
    this.updateLog = new Map(); // version -> ChangeDesc (positions only, no text) of the update on top of it
    this.following = null;
    this.scrollQueued = false;
    this.cursorTimer = null;
    this.lastSent = null; // the last cursor message sent on this connection (to skip repeats)
    this.cursorOwed = false; // a cursor could not go out yet (not caught up): send once we are
    this.helloSent = false; // on this connection

    this.list.addEventListener("follow", (/** @type {CustomEvent} */ { detail }) => this.follow(detail));
    this.dialog.addEventListener("name", (/** @type {CustomEvent} */ { detail }) => this.rename(detail));
    // Until a name is chosen the dialog asks afresh (empty, "Join"); after, it renames (prefilled).
    this.list.addEventListener("rename", () => this.dialog.open(this.name === null ? "" : this.me?.name ?? this.name));
    if (this.name === null) this.dialog.open();
  }

  /** Extensions for every editor state: remote cursors, and sending and following cursors. */
  extension() {
    return [
      remoteCursorExtension(),
      EditorView.updateListener.of((update) => this.onViewUpdate(update)),
      EditorView.domEventHandlers({
        keydown: () => this.unfollow(),
        mousedown: () => this.unfollow(),
        touchstart: () => this.unfollow(),
        wheel: () => this.unfollow(),
      }),
    ];
  }

  /** Starts listening to the socket (after the CollabClient, so updates are applied before we look). */
  attach(collab) {
    this.collab = collab;
    collab.cursorForPush = (versionAfter) => this.cursorForPush(versionAfter);
    this.connection.addEventListener("open", () => this.onOpen());
    this.connection.addEventListener("close", () => this.onClose());
    this.connection.addEventListener("message", (/** @type {CustomEvent} */ { detail }) => this.onMessage(detail));
    // A new state has none of the cursors: place the known ones again where that is still possible.
    // A resync may follow another history than the one logged, so the log starts afresh first.
    collab.addEventListener("state-replaced", () => {
      this.updateLog.clear();
      this.placeLatestSafely();
    });
    collab.addEventListener("ready", () => this.placeLatestSafely());
  }

  /** The socket's count of connections, shown until a list of participants arrives. */
  setCount(count) {
    this.list.setCount(count);
  }

  /** {id, name, color} of a participant connected now (or undefined). */
  participant(id) {
    return this.people.find((person) => person.id === id);
  }

  /** The remote cursors in the editor now: [{id, name, color, anchor, head}] (main range; for tests). */
  remoteCursors() {
    const view = this.collab?.view;
    if (!view) return [];
    return [...view.state.field(remoteCursorField).values()].map(({ id, name, color, ranges: [main] }) =>
      ({ id, name, color, anchor: main.anchor, head: main.head }));
  }

  onOpen() {
    this.lastSent = null;
    this.helloSent = this.connection.send(protocol.hello(this.name ?? undefined, this.hostKey, this.authorKey));
  }

  /** The host key was refused: join as a candidate instead (the page says why). */
  joinWithoutHostKey() {
    this.hostKey = null;
    if (this.connection.isOpen) this.helloSent = this.connection.send(protocol.hello(this.name ?? undefined, null, this.authorKey));
  }

  onClose() {
    clearTimeout(this.cursorTimer);
    this.cursorTimer = null;
    this.lastSent = null;
    this.helloSent = false;
    // Who is here is unknown until the next connection's `welcome` and `participants`: show nobody
    // rather than people who may have left (and the next connection gives me a new id).
    this.me = null;
    this.people = [];
    this.latest.clear();
    this.follow(null);
    this.clearList();
    const view = this.collab?.view;
    if (view) view.dispatch({ effects: syncRemotePeople.of([]) });
    this.emit("participants", this.people);
  }

  /** Empties the list and hides its count; the next socket count or participants list fills it again. */
  clearList() {
    this.list.render([], null);
    this.list.people = null; // so the socket's count shows again until a list arrives
    this.list.count.hidden = true;
  }

  onMessage({ type, data }) {
    try {
      if (type === "welcome") this.onWelcome(data.participant);
      else if (type === "participants") this.onParticipants(data.participants);
      else if (type === "cursor") this.onCursor(data);
      else if (type === "updates") this.onUpdates(data);
      else if (type === "session_state") this.onSessionState();
    } catch (error) {
      console.error("interview_server: presence could not handle", type, error);
    }
  }

  onWelcome(participant) {
    if (!participant || typeof participant.id !== "string") return;
    this.me = { id: participant.id, name: String(participant.name ?? "Guest"), color: String(participant.color ?? ""),
      role: participant.role === "host" ? "host" : "candidate" };
    this.showName();
    if (this.people.length > 0) this.list.render(this.people, this.me.id); // else the `participants` list follows
    this.emit("me", this.me);
    this.sendCursorSoon(true);
  }

  onParticipants(list) {
    if (!Array.isArray(list)) return;
    const known = new Set(this.people.map((person) => person.id));
    this.people = list
      .filter((person) => person && typeof person.id === "string")
      .map(({ id, name, color, role, call }) => ({ id, name: String(name ?? "Guest"), color: String(color ?? ""),
        role: role === "host" ? "host" : "candidate", call: callOf(call) }));
    const mine = this.me && this.participant(this.me.id);
    if (mine && (mine.name !== this.me.name || mine.color !== this.me.color)) {
      this.me = { ...mine };
      this.showName();
      this.emit("me", this.me);
    }
    const present = new Set(this.people.map((person) => person.id));
    for (const [id, cursor] of this.latest) {
      const person = this.participant(id);
      if (person) Object.assign(cursor, { name: person.name, color: person.color });
      else this.latest.delete(id);
    }
    if (this.following && !present.has(this.following)) this.follow(null);
    this.list.render(this.people, this.me?.id ?? null);
    this.list.setFollowing(this.following);
    const view = this.collab?.view;
    if (view) view.dispatch({ effects: syncRemotePeople.of(this.people.filter((person) => person.id !== this.me?.id)) });
    // Someone new does not know where my cursor is until it moves: tell them now.
    if (this.people.some((person) => !known.has(person.id) && person.id !== this.me?.id)) this.sendCursorSoon(true);
    this.emit("participants", this.people);
  }

  onCursor({ participant, name, color, version, ranges }, place = true) {
    if (typeof participant !== "string" || participant === this.me?.id || !Number.isInteger(version)) return;
    if (!Array.isArray(ranges) || ranges.length === 0) return;
    const clean = ranges
      .filter((r) => r && Number.isInteger(r.anchor) && Number.isInteger(r.head))
      .map(({ anchor, head }) => ({ anchor, head }));
    if (clean.length === 0) return;
    const person = this.participant(participant);
    this.latest.set(participant, {
      id: participant,
      name: person?.name ?? String(name ?? "Guest"),
      color: person?.color ?? String(color ?? ""),
      version,
      ranges: clean,
      placed: false,
    });
    if (place) this.placeLatest();
  }

  onUpdates({ version, updates, cursor }) {
    if (!Number.isInteger(version) || !Array.isArray(updates)) return;
    // The sender's cursor after these updates rides on them: taken first, placed once they are applied below.
    if (cursor && typeof cursor === "object") this.onCursor(cursor, false);
    try {
      updates.forEach((update, index) => this.updateLog.set(version + index, ChangeSet.fromJSON(update.changes).desc));
    } catch {
      this.updateLog.clear(); // not a ChangeSet: collab.js resyncs; cursors wait for their owners' next move
    }
    for (const old of this.updateLog.keys()) {
      if (this.updateLog.size <= UPDATE_LOG_SIZE) break;
      this.updateLog.delete(old);
    }
    this.placeLatest();
  }

  onSessionState() {
    // The server's history may not be the one we logged (a resync): start the log afresh.
    this.updateLog.clear();
    this.placeLatest();
  }

  /** placeLatest(true) for collab's events: a presence bug must not break the editor. */
  placeLatestSafely() {
    try {
      this.placeLatest(true);
    } catch (error) {
      console.error("interview_server: could not place cursors", error);
    }
  }

  /**
   * Places the received cursors not yet in the editor (`again`: all of them) that it can place now:
   * at the synced version, or older with the updates since then logged. Newer ones wait for the
   * editor to catch up; ones too old to place wait for their owner's next move.
   */
  placeLatest(again = false) {
    if (this.cursorOwed && this.collab?.isConnected()) this.sendCursorSoon();
    const view = this.collab?.view;
    if (!view || this.latest.size === 0) return;
    const state = view.state;
    const synced = this.collab.getVersion(); // the server's version (cursors are at the server's versions)
    const pending = composePending(state);
    const syncedLength = pending ? pending.length : state.doc.length;
    const effects = [];
    for (const [id, cursor] of this.latest) {
      if (cursor.version > synced || (cursor.placed && !again)) continue; // ahead: place it once we get there
      cursor.placed = true;
      const since = this.changesSince(cursor.version, synced);
      if (since === undefined || (since && since.newLength !== syncedLength)) continue;
      // The document's length at the cursor's version: a position past it is the server's mistake, not a crash.
      const length = since ? since.length : pending ? pending.length : state.doc.length;
      const map = (pos) => {
        const clamped = Math.max(0, Math.min(length, pos));
        let mapped = since ? since.mapPos(clamped, 1) : clamped;
        if (pending) mapped = pending.mapPos(mapped, 1);
        return mapped;
      };
      const ranges = cursor.ranges.map(({ anchor, head }) => ({ anchor: map(anchor), head: map(head) }));
      effects.push(placeRemoteCursor.of({ id, name: cursor.name, color: cursor.color, ranges }));
    }
    if (effects.length === 0) return;
    view.dispatch({ effects });
  }

  /** My unconfirmed changes in `state` composed (null if none): synced document -> this editor's document. */
  pendingChanges(state) {
    return composePending(state);
  }

  /** The updates from `from` to `to` composed (null if none; undefined if some are not logged). */
  changesSince(from, to) {
    let composed = null;
    for (let version = from; version < to; version++) {
      const desc = this.updateLog.get(version);
      if (desc === undefined || (composed && composed.newLength !== desc.length)) return undefined;
      composed = composed ? composed.composeDesc(desc) : desc;
    }
    return composed;
  }

  onViewUpdate(update) {
    const local = update.transactions.filter((tr) => !tr.annotation(Transaction.remote));
    // Your own move (a click, a key, typing) ends following.
    if (this.following && local.some((tr) => tr.annotation(Transaction.userEvent) !== undefined)) this.unfollow();
    const confirmed = sendableUpdates(update.startState).length > sendableUpdates(update.state).length;
    const moved = local.some((tr) => tr.docChanged || tr.selection);
    if (moved || confirmed || (this.cursorOwed && this.collab.isConnected())) this.sendCursorSoon();
    if (this.following) {
      const before = update.startState.field(remoteCursorField).get(this.following);
      const after = update.state.field(remoteCursorField).get(this.following);
      if (after && (after !== before || update.docChanged)) this.scrollToFollowed();
    }
  }

  /** Sends my selection after a short pause (trailing), with my unconfirmed edits mapped out. */
  sendCursorSoon(force = false) {
    if (force) this.lastSent = null;
    if (this.cursorTimer !== null) return;
    this.cursorTimer = setTimeout(() => {
      this.cursorTimer = null;
      this.sendCursor();
    }, CURSOR_THROTTLE_MS);
  }

  /**
   * My selection to ride on a push that leaves nothing unconfirmed (so the text after it is the editor's):
   * remembered as sent at `versionAfter`, so the cursor the confirmation would send is not sent again.
   * @param {number} versionAfter
   */
  cursorForPush(versionAfter) {
    const view = this.collab?.view;
    if (!view || !this.me) return null;
    const ranges = this.selectionRanges(view.state, (pos) => pos);
    this.lastSent = protocol.cursor(versionAfter, ranges);
    clearTimeout(this.cursorTimer);
    this.cursorTimer = null;
    this.cursorOwed = false;
    return ranges;
  }

  /** The selection's ranges, main first, at most MAX_CURSOR_RANGES, positions passed through `toSynced`. */
  selectionRanges(state, toSynced) {
    const { main } = state.selection;
    const ordered = [main, ...state.selection.ranges.filter((range) => range !== main)].slice(0, MAX_CURSOR_RANGES);
    return ordered.map((range) => ({ anchor: toSynced(range.anchor), head: toSynced(range.head) }));
  }

  sendCursor() {
    const view = this.collab?.view;
    if (!view || !this.me) return;
    this.cursorOwed = !this.collab.isConnected();
    if (this.cursorOwed) return;
    if (this.collab.cursorInFlight) return; // it rides on the push; the confirmation sends it again if it moved
    const state = view.state;
    const pending = composePending(state);
    const back = pending ? pending.invertedDesc : null;
    const message = protocol.cursor(this.collab.getVersion(),
      this.selectionRanges(state, (pos) => (back ? back.mapPos(pos, -1) : pos)));
    if (message === this.lastSent) return;
    if (this.connection.send(message)) this.lastSent = message;
  }

  /** Follows participant `id` (null: nobody): their cursor stays in view until you move. */
  follow(id) {
    this.following = id && id !== this.me?.id ? id : null;
    this.list.setFollowing(this.following);
    if (this.following) this.scrollToFollowed();
  }

  unfollow() {
    if (this.following) this.follow(null);
    return false; // let the editor handle the event as usual
  }

  scrollToFollowed() {
    if (this.scrollQueued) return;
    this.scrollQueued = true;
    // Not inside the update being listened to: CodeMirror refuses a dispatch during an update.
    queueMicrotask(() => {
      this.scrollQueued = false;
      const view = this.collab?.view;
      const cursor = this.following && view?.state.field(remoteCursorField).get(this.following);
      if (!cursor) return;
      const head = cursor.ranges[0].head;
      view.dispatch({ effects: EditorView.scrollIntoView(head, { y: "nearest", x: "nearest", yMargin: FOLLOW_MARGIN_PX }) });
    });
  }

  /** A new display name: remembered in this browser and told to everyone. */
  rename(text) {
    const name = cleanName(text);
    if (!name) return;
    this.name = name;
    saveName(name);
    if (this.me) {
      this.me = { ...this.me, name };
      this.showName();
    }
    // Before `hello` went out, the `hello` of the next connection carries the name instead.
    if (this.helloSent) this.connection.send(protocol.setName(name));
  }

  /** My chip shows my new name at once (the server's `participants` confirms it). */
  showName() {
    if (!this.list.people?.length) return;
    const me = this.me;
    this.list.render(this.list.people.map((person) => (person.id === me.id ? { ...person, name: me.name } : person)), me.id);
    this.list.setFollowing(this.following);
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/** A participant's `call` ({audio, video} while in the call), or null when they are not in it. */
function callOf(call) {
  return call && typeof call === "object" ? { audio: call.audio === true, video: call.video === true } : null;
}

/** My unconfirmed changes composed (null if none): synced document -> this editor's document. */
function composePending(state) {
  const pending = sendableUpdates(state);
  if (pending.length === 0) return null;
  return pending.reduce((all, update) => all.compose(update.changes), ChangeSet.empty(pending[0].changes.length));
}

function loadName() {
  try {
    const name = cleanName(localStorage.getItem(NAME_KEY));
    return name || null;
  } catch {
    return null; // storage blocked (e.g. a sandboxed iframe): ask every time
  }
}

function saveName(name) {
  try {
    localStorage.setItem(NAME_KEY, name);
  } catch {
    // storage blocked: the name lasts for this page only
  }
}
