// The whiteboard's document (no DOM, no dependencies; runs in Node): the confirmed board text at a version, its elements,
// and this page's operations not yet answered, drawn on top. One element per line (docs/PROTOCOL.md).

const CHECKPOINT = 50; // replayed updates between kept texts (scrubbing back starts from the nearest)

export const ELEMENT_TYPES = ["pen", "line", "arrow", "rect", "ellipse", "text"];

/** The element a board line holds, or null for a line that is not one (skipped, never fatal). */
export function parseElement(line) {
  let element;
  try {
    element = JSON.parse(line);
  } catch {
    return null;
  }
  if (!element || typeof element !== "object" || typeof element.id !== "string" || !ELEMENT_TYPES.includes(element.type)) return null;
  if (!Array.isArray(element.points) || element.points.length < 2 || !element.points.every(Number.isFinite)) return null;
  if (element.type === "text" && typeof element.text !== "string") return null;
  return element;
}

/** Elements of a board text (id -> element) in drawing order; of two lines with one id, the later wins (and draws there). */
export function elementsOf(text, cache = null) {
  const byId = new Map();
  for (const line of text.split("\n")) {
    if (!line) continue;
    let element = cache?.get(line);
    if (element === undefined) {
      element = parseElement(line);
      cache?.set(line, element);
    }
    if (!element) continue;
    byId.delete(element.id); // the later line wins, and draws where it is
    byId.set(element.id, element);
  }
  return byId;
}

/**
 * `text` after one CodeMirror ChangeSet in its JSON form (a number keeps that many UTF-16 units, [n] deletes n,
 * [n, "line", …] replaces n with the lines joined by "\n"): what ChangeSet.fromJSON(changes).apply does, without
 * @codemirror/state in the board's chunk (it would split the first load's chunks: +0.7 kB gzip). Throws on a
 * ChangeSet that does not fit the text, as CodeMirror does. tests/node/board-document.test.mjs checks it against
 * @codemirror/state.
 */
export function applyChangeSet(text, changes) {
  if (!Array.isArray(changes)) throw new RangeError("Invalid JSON representation of ChangeSet");
  const out = [];
  let at = 0;
  for (const part of changes) {
    if (typeof part === "number") {
      out.push(text.slice(at, at + part));
      at += part;
    } else if (Array.isArray(part) && typeof part[0] === "number" && part.slice(1).every((line) => typeof line === "string")) {
      at += part[0];
      if (part.length > 1) out.push(part.slice(1).join("\n"));
    } else {
      throw new RangeError("Invalid JSON representation of ChangeSet");
    }
    if (at > text.length) throw new RangeError("ChangeSet is longer than the text");
  }
  if (at !== text.length) throw new RangeError("ChangeSet's length does not match the text");
  return out.join("");
}

/** The board text after a list of update ChangeSets (JSON) applied to `text` (a string). */
export function applyChanges(text, changesList) {
  return changesList.reduce(applyChangeSet, text);
}

/**
 * The confirmed board and my pending operations.
 * Pending ops: {op, kind: "draw" | "move" | "erase" | "clear", element?, elements?, ids?, sent: boolean}.
 */
export class BoardDocument {
  constructor() {
    this.version = 0;
    this.text = "";
    this.confirmed = new Map(); // id -> element, in drawing order
    this.pending = [];
    this.cache = new Map(); // line -> parsed element (strokes are long: parse each line once)
  }

  /** The whole board at `version` (board_state). Returns true if it was taken (not older than mine). */
  applyState(version, text) {
    if (typeof text !== "string" || !Number.isInteger(version) || version < this.version) return false;
    this.setText(version, text);
    return true;
  }

  /**
   * Updates [{changes}] made on top of `version` (board_updates). Returns "applied" (something new),
   * "stale" (all already had) or "gap" (versions are missing between mine and theirs: pull).
   */
  applyUpdates(version, updates) {
    if (!Number.isInteger(version) || !Array.isArray(updates)) return "stale";
    if (version > this.version) return "gap";
    const fresh = updates.slice(this.version - version);
    if (!fresh.length) return "stale";
    this.setText(this.version + fresh.length, applyChanges(this.text, fresh.map((update) => update.changes)));
    return "applied";
  }

  setText(version, text) {
    this.version = version;
    this.text = text;
    if (this.cache.size > 5000) this.cache.clear();
    this.confirmed = elementsOf(text, this.cache);
  }

  /** Adds one of my operations (sent or not yet). */
  addPending(op) {
    this.pending.push(op);
  }

  /** The answer (board_done or error) to my oldest sent operation: it leaves the pending list, or, with
   * `keep` (refused for now: to send again), stays in its place as not sent. */
  answered(keep = false) {
    const index = this.pending.findIndex((op) => op.sent);
    if (index < 0) return null;
    if (!keep) return this.pending.splice(index, 1)[0];
    this.pending[index].sent = false;
    return this.pending[index];
  }

  /** After a disconnect: nothing sent is answered any more; all is sent again after a pull. */
  unsendAll() {
    for (const op of this.pending) op.sent = false;
  }

  /** The operations to send again after a pull: a draw already on the board is done (dropped). */
  toResend() {
    this.pending = this.pending.filter((op) => op.kind !== "draw" || !this.confirmed.has(op.element.id));
    return this.pending.filter((op) => !op.sent);
  }

  /** Elements as this page shows them: the confirmed board with my pending operations applied in order. */
  elements() {
    if (!this.pending.length) return [...this.confirmed.values()];
    const shown = new Map(this.confirmed);
    for (const op of this.pending) applyOp(shown, op);
    return [...shown.values()];
  }
}

/** One operation applied to an id -> element map (as the server applies it). */
export function applyOp(elements, op) {
  if (op.kind === "draw") {
    if (!elements.has(op.element.id)) elements.set(op.element.id, op.element);
  } else if (op.kind === "move") {
    for (const { id, points } of op.elements) {
      const element = elements.get(id);
      if (element) elements.set(id, { ...element, points });
    }
  } else if (op.kind === "erase") {
    for (const id of op.ids) elements.delete(id);
  } else if (op.kind === "clear") {
    elements.clear();
  }
}

/**
 * A board's history replayed (playback, export): `board` = {version, text, updates: [{at, participant, changes}]}.
 * textAt(ms) is the text after every update made at or before `ms`.
 */
export class BoardHistory {
  constructor(board) {
    this.startText = typeof board?.text === "string" ? board.text : "";
    this.updates = Array.isArray(board?.updates) ? board.updates.filter((update) => update && update.changes) : [];
    this.count = 0; // updates applied to `text`
    this.text = this.startText;
    this.checkpoints = [this.startText]; // text after every CHECKPOINT updates
  }

  /** How many updates were made at or before `ms`. */
  countAt(ms) {
    let low = 0;
    let high = this.updates.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (Number(this.updates[mid].at) <= ms) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** The board text after the first `count` updates. */
  textAfter(count) {
    if (count < this.count) {
      const checkpoint = Math.min(Math.floor(count / CHECKPOINT), this.checkpoints.length - 1);
      this.count = checkpoint * CHECKPOINT;
      this.text = this.checkpoints[checkpoint];
    }
    while (this.count < count) {
      this.text = applyChangeSet(this.text, this.updates[this.count].changes);
      this.count += 1;
      if (this.count % CHECKPOINT === 0 && this.checkpoints.length === this.count / CHECKPOINT) this.checkpoints.push(this.text);
    }
    return this.text;
  }

  textAt(ms) {
    return this.textAfter(this.countAt(ms));
  }
}
