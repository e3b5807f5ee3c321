// Integrity signals and comments in playback (the hosts' history): markers under the timeline (a paste with its
// size, time away as a span, a typing burst), a "Signals" list that jumps to each, the comment threads as they were
// at the playhead, and their ranges in the player's editor (anchors mapped from where each was made, with
// mapPos(pos, -1), as the live page maps them). The player calls markers(), sections(), extension() and render().
import { StateEffect, StateField } from "@codemirror/state";
import { Decoration, EditorView } from "@codemirror/view";
import { formatSpan } from "../integrity/summary-text.js";
import { formatElapsed } from "./timeline.js";

/** @type {import("@codemirror/state").StateEffectType<import("@codemirror/view").DecorationSet>} */
const setCommentMarks = StateEffect.define();
const commentMarks = StateField.define({
  create: () => Decoration.none,
  update(marks, tr) {
    for (const effect of tr.effects) if (effect.is(setCommentMarks)) return effect.value;
    return marks.map(tr.changes);
  },
  provide: (field) => EditorView.decorations.from(field),
});

function el(tag, className = "", text = undefined) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** "Paste: 500 characters from outside the pad", "Away 3 s (tab hidden)", "Typing burst: 240 characters in 5 s". */
export function describeSignal(signal) {
  const count = (n) => Number(n).toLocaleString("en-US");
  if (signal.kind === "paste") {
    return `Paste: ${count(signal.chars)} characters${signal.external ? " from outside the pad" : " copied in the pad"}`;
  }
  if (signal.kind === "away") return `Away ${formatSpan(signal.ms)} (${signal.reason === "hidden" ? "tab hidden" : "window in the background"})`;
  return `Typing burst: ${count(signal.chars)} characters in ${formatSpan(signal.ms)}`;
}

export class PlaybackReview {
  /** `seek(position)`: moves the player's playhead. */
  constructor({ history, timeline, seek }) {
    this.signals = Array.isArray(history.integrity) ? history.integrity : [];
    this.threads = Array.isArray(history.comments) ? history.comments : [];
    this.timeline = timeline;
    this.seek = seek;
    this.positions = new Map(); // "index:phase" of a signal -> its position on the slider
    timeline.events.forEach((event, i) => {
      if (event.kind === "signal") this.positions.set(`${event.index}:${event.phase}`, i + 1);
    });
    this.anchors = new Map(); // thread index -> {version, from, to}: its anchor at the version last asked
    this.shownComments = null;
    this.shownMarks = null;
  }

  extension() {
    return commentMarks;
  }

  /** Marks under the slider: pastes and bursts as ticks, time away as spans (hover: what it was). */
  markers() {
    const layer = el("div", "pb-markers pb-review-markers");
    layer.setAttribute("aria-hidden", "true");
    const length = Math.max(1, this.timeline.length);
    this.signals.forEach((signal, index) => {
      const marker = el("span", `pb-marker pb-marker-${signal.kind}`);
      marker.title = describeSignal(signal);
      marker.dataset.signal = signal.kind;
      if (signal.kind === "away") {
        const start = this.positions.get(`${index}:start`) ?? 0;
        const end = this.positions.get(`${index}:end`) ?? start;
        marker.style.setProperty("--pb-at", String(start / length));
        marker.style.setProperty("--pb-span", String((end - start) / length));
        marker.dataset.ms = String(signal.ms);
      } else {
        marker.style.setProperty("--pb-at", String((this.positions.get(`${index}:at`) ?? 0) / length));
        if (signal.kind === "paste") marker.dataset.chars = String(signal.chars);
      }
      layer.append(marker);
    });
    return layer;
  }

  /** The side's sections: the signals (each a button to its moment) and the comments at the playhead. */
  sections() {
    const sections = [];
    if (this.signals.length) {
      const section = el("section", "pb-section pb-signals-section");
      const list = el("ol", "pb-signals");
      list.setAttribute("aria-label", "Signals");
      this.signals.forEach((signal, index) => {
        const at = this.positions.get(`${index}:${signal.kind === "away" ? "start" : "at"}`) ?? 0;
        const item = el("li", `pb-signal pb-signal-${signal.kind}`);
        const jump = el("button", "pb-signal-jump");
        jump.type = "button";
        const when = formatElapsed(this.timeline.timeOfPosition(at) - this.timeline.origin);
        jump.append(el("span", "pb-signal-time", when), document.createTextNode(` ${signal.name}: ${describeSignal(signal)}`));
        jump.addEventListener("click", () => this.seek(at));
        item.append(jump);
        list.append(item);
      });
      section.append(el("h3", "pb-heading", "Signals"), list);
      sections.push(section);
    }
    if (this.threads.length) {
      const section = el("section", "pb-section pb-comments-section");
      this.commentList = el("ol", "pb-comments");
      this.commentList.setAttribute("aria-label", "Comments at this point");
      section.append(el("h3", "pb-heading", "Comments"), this.commentList);
      sections.push(section);
    }
    return sections;
  }

  /** The thread's anchor at `version` (null before it was made). */
  anchorAt(index, version) {
    const { created } = this.threads[index];
    if (!created || version < created.version) return null;
    let known = this.anchors.get(index);
    if (!known || known.version > version) known = { version: created.version, from: created.from, to: created.to };
    let { from, to } = known;
    for (let v = known.version + 1; v <= version; v++) {
      const changes = this.timeline.changesOf(v);
      if (!changes) break;
      from = changes.mapPos(from, -1);
      to = Math.max(from, changes.mapPos(to, -1));
    }
    const anchor = { version, from, to };
    this.anchors.set(index, anchor);
    return anchor;
  }

  /** Shows the threads and their ranges as at position `p` (document `version`) in `view`. */
  render(view, p, version) {
    if (!this.threads.length) return;
    const now = this.timeline.timeOfPosition(p);
    const shown = [];
    this.threads.forEach((thread, index) => {
      const comments = (thread.comments ?? []).filter((comment) => comment.at <= now);
      const anchor = comments.length ? this.anchorAt(index, Math.max(version, this.timeline.startVersion)) : null;
      if (anchor) shown.push({ thread, comments, anchor, resolved: thread.resolved_at !== null && thread.resolved_at <= now });
    });
    const key = JSON.stringify(shown.map(({ thread, comments, anchor, resolved }) => [thread.id, comments.length, anchor, resolved]));
    if (key === this.shownComments) return;
    this.shownComments = key;
    const length = view.state.doc.length;
    const marks = shown.filter(({ anchor, resolved }) => !resolved && anchor.from < anchor.to && anchor.to <= length)
      .map(({ anchor, thread }) => Decoration.mark({ class: `pb-comment-range${thread.visibility === "hosts" ? " pb-comment-hosts" : ""}` })
        .range(anchor.from, anchor.to));
    view.dispatch({ effects: setCommentMarks.of(Decoration.set(marks, true)) });
    this.commentList.replaceChildren(...shown.map(({ thread, comments, anchor, resolved }) => {
      const item = el("li", `pb-comment${resolved ? " pb-comment-resolved" : ""}`);
      const line = anchor.to <= length ? view.state.doc.lineAt(anchor.from).number : null;
      const head = anchor.from === anchor.to ? "The code this was on was deleted" : `Line ${line ?? "?"}`;
      item.append(el("div", "pb-comment-head", `${head}${resolved ? " · resolved" : ""}${thread.visibility === "hosts" ? " · hosts only" : ""}`),
        el("pre", "pb-comment-quote", thread.quote ?? ""));
      for (const comment of comments) {
        const text = el("p", "pb-comment-text");
        text.append(el("strong", "", comment.name), document.createTextNode(`: ${comment.text}`));
        item.append(text);
      }
      return item;
    }));
    if (!shown.length) this.commentList.append(el("li", "pb-empty", "No comments yet at this point."));
  }
}
