// Comment threads' anchors in the editor (first-load: small): a StateField of positions mapped through every
// transaction with mapPos(pos, -1), as the server and every page map them (docs/PROTOCOL.md, "Comments"), drawn as
// highlighted ranges and gutter markers. The threads themselves (frames, the side list) load on demand (threads.js).
import { RangeSet, StateEffect, StateField } from "@codemirror/state";
import { Decoration, EditorView, gutter, GutterMarker } from "@codemirror/view";

/** @typedef {{id: string, from: number, to: number, open: boolean, hosts: boolean}} Anchor */

/** Place (or move) anchors, positions in the document after this transaction. @type {import("@codemirror/state").StateEffectType<Anchor[]>} */
export const placeAnchors = StateEffect.define();
/** Remove anchors by id (null: all of them, as at each `welcome`). @type {import("@codemirror/state").StateEffectType<string[] | null>} */
export const removeAnchors = StateEffect.define();

/** Map of thread id -> Anchor, in the current document. */
export const anchorField = StateField.define({
  create: () => new Map(),
  update(anchors, tr) {
    let next = anchors;
    if (tr.docChanged && anchors.size) {
      next = new Map();
      for (const [id, anchor] of anchors) {
        const from = tr.changes.mapPos(anchor.from, -1);
        next.set(id, { ...anchor, from, to: Math.max(from, tr.changes.mapPos(anchor.to, -1)) });
      }
    }
    for (const effect of tr.effects) {
      if (effect.is(removeAnchors)) {
        next = new Map(effect.value ? [...next].filter(([id]) => !effect.value.includes(id)) : []);
      } else if (effect.is(placeAnchors)) {
        if (next === anchors) next = new Map(anchors);
        const length = tr.newDoc.length;
        for (const anchor of effect.value) {
          const from = Math.max(0, Math.min(length, anchor.from));
          next.set(anchor.id, { ...anchor, from, to: Math.max(from, Math.min(length, anchor.to)) });
        }
      }
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field, (anchors) => {
    const marks = [];
    for (const { from, to, open, hosts, id } of anchors.values()) {
      if (!open || from === to) continue;
      const className = hosts ? "cm-commentRange cm-commentRange-hosts" : "cm-commentRange";
      marks.push(Decoration.mark({ class: className, attributes: { "data-thread": id } }).range(from, to));
    }
    return Decoration.set(marks, true);
  }),
});

class ThreadMarker extends GutterMarker {
  constructor(ids, open, hosts) {
    super();
    this.ids = ids;
    this.open = open;
    this.hosts = hosts; // every thread on the line is hosts-only
  }

  eq(other) {
    return other.ids === this.ids && other.open === this.open && other.hosts === this.hosts;
  }

  toDOM() {
    const dot = document.createElement("span");
    dot.className = `cm-commentMarker${this.open ? "" : " cm-commentMarker-resolved"}${this.hosts ? " cm-commentMarker-hosts" : ""}`;
    dot.title = this.open ? "Comment: open it in the Comments tab" : "Resolved comment";
    return dot;
  }
}

const commentGutter = gutter({
  class: "cm-commentGutter",
  markers(view) {
    const lines = new Map(); // line start -> {ids, open}
    for (const { id, from, open, hosts } of view.state.field(anchorField).values()) {
      const start = view.state.doc.lineAt(from).from;
      const line = lines.get(start) ?? { ids: [], open: false, hosts: true };
      line.ids.push(id);
      line.open ||= open;
      line.hosts &&= hosts;
      lines.set(start, line);
    }
    const sorted = [...lines].sort((a, b) => a[0] - b[0]);
    return RangeSet.of(sorted.map(([start, { ids, open, hosts }]) => new ThreadMarker(ids.join(" "), open, hosts).range(start)));
  },
  domEventHandlers: {
    mousedown(view, line) {
      const ids = [...view.state.field(anchorField).values()]
        .filter((anchor) => view.state.doc.lineAt(anchor.from).from === line.from).map((anchor) => anchor.id);
      if (!ids.length) return false;
      view.dom.dispatchEvent(new CustomEvent("comment-open", { detail: ids[0], bubbles: true }));
      return true;
    },
  },
});

/** The field, its highlights and its gutter. */
export function commentAnchors() {
  return [anchorField, commentGutter];
}

/** The anchors in `state`, each with the text it covers (a test hook and the side list's quotes). */
export function anchorsIn(state) {
  return [...state.field(anchorField, false)?.values() ?? []].map((anchor) =>
    ({ ...anchor, text: state.sliceDoc(anchor.from, anchor.to) }));
}
