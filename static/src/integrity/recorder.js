// Integrity signals as this page sees them (docs/INTEGRITY.md): pastes into the editor (size; `external` unless the
// text is one this page's editor copied or cut), time away (the tab hidden, or the window blurred: one span at a
// time) and typing bursts far above this person's own rate. Sent as `integrity_event` once welcomed as a candidate
// (hosts record nothing), within the server's rate, and never blocking anything. First-load code: keep it small.
import { EditorView } from "@codemirror/view";
import * as protocol from "../protocol.js";

export const MIN_AWAY_MS = 1000; // shorter spans away are not reported (a glance at another window)
export const COPIES_KEPT = 5; // the editor's last copies and cuts, to tell a paste from inside the pad
export const BURST_WINDOW_MS = 5000; // typing is counted in windows this long
export const BURST_MIN_CHARS = 60; // a burst types at least this many characters in one window…
export const BURST_FACTOR = 4; // …and at least this many times the person's median window
export const RATE_WINDOWS = 30; // the median is over this many of the person's latest windows with typing…
export const RATE_MIN_WINDOWS = 5; // …and needs this many before any burst is reported
const SEND_BURST = 30; // the server takes a burst of 30 integrity events, then 1 a second (protocol.py)
const SEND_PER_SECOND = 1;
const QUEUE_MAX = 100; // events waiting for the connection or the rate; the oldest give way

const normalise = (text) => text.replace(/\r\n?/g, "\n");

export class IntegrityRecorder {
  /** `enabled`: false for the embed's ?integrity=off (nothing is recorded or sent). */
  constructor({ connection, enabled = true, now = () => Date.now() }) {
    this.connection = connection;
    this.enabled = enabled;
    this.now = now;
    this.role = null; // "candidate" or "host" once welcomed: only candidates' pages send
    this.queue = [];
    this.tokens = SEND_BURST;
    this.refilled = now();
    this.timer = null;
    this.copies = []; // normalised texts, newest last
    this.away = null; // {since, reason} while away
    this.window = null; // {chars} of the typing window being counted
    this.rates = []; // characters of the latest windows that had typing
    if (!enabled) return;
    connection.addEventListener("message", (/** @type {CustomEvent} */ { detail: { type, data } }) => {
      if (type !== "welcome") return;
      this.role = data.role === "host" ? "host" : "candidate";
      if (this.role === "host") this.queue = [];
      this.flush();
    });
    connection.addEventListener("open", () => { this.role = null; }); // until this connection's welcome
    document.addEventListener("visibilitychange", () => (document.hidden ? this.leave("hidden") : this.back()));
    addEventListener("blur", () => setTimeout(() => {
      if (!document.hasFocus()) this.leave("blur"); // focus inside a frame of this page is not away
    }, 0));
    addEventListener("focus", () => this.back());
  }

  /** Editor extensions: copies, cuts, pastes and typing (none when disabled). */
  extension() {
    if (!this.enabled) return [];
    const copied = (_event, view) => {
      const { state } = view;
      const ranges = state.selection.ranges.filter((range) => !range.empty);
      const text = ranges.length ? ranges.map((range) => state.sliceDoc(range.from, range.to)).join("\n")
        : state.selection.ranges.map((range) => state.doc.lineAt(range.from).text).join("\n"); // a line-wise copy
      this.copies = [...this.copies.filter((copy) => copy !== text), text].slice(-COPIES_KEPT);
      return false;
    };
    return [
      EditorView.domEventHandlers({
        copy: copied,
        cut: copied,
        paste: (event, view) => {
          const text = normalise(event.clipboardData?.getData("text/plain") ?? "");
          if (text && !view.state.readOnly) this.record({ kind: "paste", chars: text.length, external: !this.copies.includes(text) });
          return false;
        },
      }),
      EditorView.updateListener.of((update) => {
        for (const tr of update.transactions) {
          if (!tr.isUserEvent("input.type")) continue; // pastes, remote edits, undo and the like are not typing
          let chars = 0;
          tr.changes.iterChanges((_fa, _ta, _fb, _tb, inserted) => { chars += inserted.length; });
          this.typed(chars);
        }
      }),
    ];
  }

  /** Counts typed characters in windows of BURST_WINDOW_MS from the first key; one far above the median is a burst. */
  typed(chars) {
    if (!this.window) {
      this.window = { chars: 0 };
      setTimeout(() => {
        const { chars: typed } = this.window;
        this.window = null;
        this.closeWindow(typed);
      }, BURST_WINDOW_MS);
    }
    this.window.chars += chars;
  }

  closeWindow(chars) {
    if (chars <= 0) return;
    const sorted = [...this.rates].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    if (sorted.length >= RATE_MIN_WINDOWS && chars >= BURST_MIN_CHARS && chars >= BURST_FACTOR * median) {
      this.record({ kind: "burst", chars, ms: BURST_WINDOW_MS });
    }
    this.rates = [...this.rates, chars].slice(-RATE_WINDOWS);
  }

  leave(reason, at = this.now()) {
    if (this.away) {
      if (reason === "hidden") this.away.reason = "hidden"; // a blur then the tab hidden: one span, the tab's
      return;
    }
    this.away = { since: at, reason };
  }

  back(at = this.now()) {
    if (!this.away || document.hidden) return;
    const ms = at - this.away.since;
    const { reason } = this.away;
    this.away = null;
    if (ms >= MIN_AWAY_MS) this.record({ kind: "away", ms, reason });
  }

  record(event) {
    if (!this.enabled || this.role === "host") return;
    this.queue = [...this.queue, event].slice(-QUEUE_MAX);
    this.flush();
  }

  /** Sends what the rate allows once welcomed as a candidate; the rest waits. */
  flush() {
    const now = this.now();
    this.tokens = Math.min(SEND_BURST, this.tokens + ((now - this.refilled) / 1000) * SEND_PER_SECOND);
    this.refilled = now;
    while (this.queue.length && this.role === "candidate" && this.tokens >= 1) {
      if (!this.connection.send(protocol.integrityEvent(this.queue[0]))) break;
      this.queue.shift();
      this.tokens -= 1;
    }
    clearTimeout(this.timer);
    if (this.queue.length && this.role === "candidate") this.timer = setTimeout(() => this.flush(), 1000);
  }
}
