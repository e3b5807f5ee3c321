// The board over the session's socket: pulls the board, applies everyone's updates, sends my operations
// (drawn at once, dropped when answered), and sends them again after a reconnect (after a pull).
import * as protocol from "../protocol.js";
import { BoardDocument } from "./board-document.js";

const OP_MESSAGES = /^board_(draw|move|erase|clear):/;
const RETRY_MS = 1000;

/** A random id of 12 base64url characters (element ids and op ids). */
export function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
}

/**
 * Events: `change` (the elements shown changed), `refused` (detail: {op, code, message}: an operation of mine
 * the server refused), `pointer` (detail: {participant, x, y}).
 */
export class BoardSync extends EventTarget {
  /** `me`: () => my participant id (presence.js), undefined until `welcome`. */
  constructor({ connection, me }) {
    super();
    this.connection = connection;
    this.doc = new BoardDocument();
    this.pulledAt = null; // the version a pull asked from, until its answer: my ops wait for it
    this.retryTimer = null;
    this.onMessage = (/** @type {CustomEvent} */ { detail: { type, data } }) => this.receive(type, data);
    this.onClose = () => {
      this.doc.unsendAll();
      this.pulledAt = null;
    };
    connection.addEventListener("message", this.onMessage);
    connection.addEventListener("close", this.onClose);
    if (connection.isOpen && me()) this.pull(); // welcomed already (else `welcome` pulls)
  }

  receive(type, data) {
    if (type === "welcome") {
      this.pull(); // (re)joined: catch up, then send what is still mine to send
    } else if (type === "board_state") {
      if (this.doc.applyState(data.version, data.text)) this.changed();
      this.caughtUp(data.version);
    } else if (type === "board_updates") {
      const result = this.doc.applyUpdates(data.version, data.updates);
      if (result === "gap") return this.pull();
      if (result === "applied") this.changed();
      this.caughtUp(data.version);
    } else if (type === "board_done") {
      this.doc.answered();
      if (Number.isInteger(data.version) && data.version > this.doc.version) this.pull(); // an update went missing
      this.changed();
    } else if (type === "error" && OP_MESSAGES.test(String(data.message ?? ""))) {
      // Too fast, or the server's storage is away: nothing was applied; kept and sent again in a moment.
      const retry = data.code === "rate_limited" || data.code === "store_unavailable";
      const op = this.doc.answered(retry);
      if (retry) this.retrySoon();
      this.changed();
      if (!retry) this.dispatchEvent(new CustomEvent("refused", { detail: { op, code: data.code, message: String(data.message) } }));
    } else if (type === "board_pointer") {
      this.dispatchEvent(new CustomEvent("pointer", { detail: data }));
    }
  }

  retrySoon() {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.pulledAt !== null || !this.connection.isOpen) return; // the pull's answer sends them
      for (const op of this.doc.pending) if (!op.sent) this.transmit(op);
    }, RETRY_MS);
  }

  pull() {
    if (this.connection.send(protocol.boardPull(this.doc.version))) this.pulledAt = this.doc.version;
  }

  /** The answer to my pull came (its updates start at or before the version I asked from): send what waited. */
  caughtUp(version) {
    if (this.pulledAt === null || version > this.pulledAt) return;
    this.pulledAt = null;
    for (const op of this.doc.toResend()) this.transmit(op);
    this.changed();
  }

  changed() {
    this.dispatchEvent(new Event("change"));
  }

  /** Elements shown now (confirmed, then mine on top). */
  elements() {
    return this.doc.elements();
  }

  /** Starts one operation of mine: shown at once, sent now or after the next pull. */
  perform(op) {
    const entry = { op: randomId(), sent: false, ...op };
    this.doc.addPending(entry);
    if (this.pulledAt === null) this.transmit(entry);
    this.changed();
    return entry;
  }

  transmit(entry) {
    const message = {
      draw: () => protocol.boardDraw(entry.op, entry.element),
      move: () => protocol.boardMove(entry.op, entry.elements),
      erase: () => protocol.boardErase(entry.op, entry.ids),
      clear: () => protocol.boardClear(entry.op),
    }[entry.kind]();
    entry.sent = this.connection.send(message);
  }

  pointer(x, y) {
    this.connection.send(protocol.boardPointer(x, y));
  }

  destroy() {
    clearTimeout(this.retryTimer);
    this.connection.removeEventListener("message", this.onMessage);
    this.connection.removeEventListener("close", this.onClose);
  }
}
