// Other people's cursors in the editor: a StateField mapped through every change, drawn in layers
// (outside the contenteditable DOM, so typing and IME composition are never disturbed).
import { EditorSelection, StateEffect, StateField } from "@codemirror/state";
import { layer, RectangleMarker } from "@codemirror/view";

const LABEL_ROOM_PX = 18; // a caret nearer the top than this shows its name below, not above

/** Moves a range through a change: a caret sticks to the character after it, a selection never grows. */
function mapRange({ anchor, head }, mapping) {
  if (anchor === head) {
    const pos = mapping.mapPos(head, 1);
    return { anchor: pos, head: pos };
  }
  const forward = anchor < head;
  const from = mapping.mapPos(Math.min(anchor, head), 1);
  const to = Math.max(from, mapping.mapPos(Math.max(anchor, head), -1));
  return forward ? { anchor: from, head: to } : { anchor: to, head: from };
}

function mapCursor(cursor, mapping) {
  return { ...cursor, ranges: cursor.ranges.map((range) => mapRange(range, mapping)) };
}

/** @typedef {{id: string, name: string, color: string, ranges: {anchor: number, head: number}[], moved?: number}} RemoteCursor */
/** @typedef {{id: string, name: string, color: string}} Person */

/**
 * Place (or move) one person's cursor in this editor's document.
 * @type {import("@codemirror/state").StateEffectType<RemoteCursor>}
 */
export const placeRemoteCursor = StateEffect.define({ map: mapCursor });

/**
 * The people connected now: anyone else's cursor goes; names and colours refresh.
 * @type {import("@codemirror/state").StateEffectType<Person[]>}
 */
export const syncRemotePeople = StateEffect.define();

/** Map of participant id -> {id, name, color, ranges}, positions in the current document. */
export const remoteCursorField = StateField.define({
  create: () => new Map(),
  update(cursors, tr) {
    let next = cursors;
    if (tr.docChanged && cursors.size > 0) {
      next = new Map();
      for (const [id, cursor] of cursors) next.set(id, mapCursor(cursor, tr.changes));
    }
    for (const effect of tr.effects) {
      if (effect.is(placeRemoteCursor)) {
        const length = tr.newDoc.length;
        const clamp = (pos) => Math.max(0, Math.min(length, pos));
        const ranges = effect.value.ranges.map((r) => ({ anchor: clamp(r.anchor), head: clamp(r.head) }));
        if (next === cursors) next = new Map(cursors);
        // `moved` counts the person's own moves (not the mapping through edits): each shows the name tag again.
        const before = next.get(effect.value.id);
        const same = before && JSON.stringify(before.ranges) === JSON.stringify(ranges);
        next.set(effect.value.id, { ...effect.value, ranges, moved: same ? before.moved : (before?.moved ?? 0) + 1 });
      } else if (effect.is(syncRemotePeople)) {
        const people = new Map(effect.value.map((person) => [person.id, person]));
        const kept = new Map();
        for (const [id, cursor] of next) {
          const person = people.get(id);
          if (person) kept.set(id, person.name === cursor.name && person.color === cursor.color
            ? cursor : { ...cursor, name: person.name, color: person.color });
        }
        next = kept;
      }
    }
    return next;
  },
});

/** Black or white, whichever reads better on `color` (a #rgb or #rrggbb colour; white otherwise). */
export function inkFor(color) {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color ?? "")?.[1];
  if (!hex) return "#ffffff";
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join("") : hex;
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  // Contrast with white vs with black: pick the larger.
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 ? "#ffffff" : "#111111";
}

/** A selection rectangle of CodeMirror's, tinted with a person's colour. */
class TintedRectangle {
  constructor(rectangle, color) {
    this.rectangle = rectangle;
    this.color = color;
  }

  draw() {
    const dom = this.rectangle.draw();
    dom.style.setProperty("--remote-color", this.color);
    return dom;
  }

  update(dom, old) {
    if (!(old instanceof TintedRectangle) || !this.rectangle.update(dom, old.rectangle)) return false;
    dom.style.setProperty("--remote-color", this.color);
    return true;
  }

  eq(other) {
    return other instanceof TintedRectangle && this.color === other.color && this.rectangle.eq(other.rectangle);
  }
}

/**
 * A remote caret; the main one carries its owner's name in a tag, above the line (below on the first line),
 * which fades after a couple of seconds without a move and shows again on the next one (style: presence.css).
 */
class CaretMarker {
  constructor({ id, name, color, left, top, height, labelled, below, moved }) {
    this.id = id;
    this.name = name;
    this.color = color;
    this.left = left;
    this.top = top;
    this.height = height;
    this.labelled = labelled; // the name tag shows
    this.below = below; // the name tag sits below the caret (no room above)
    this.moved = moved; // the owner's count of moves: a new one restarts the tag's fade
  }

  draw() {
    const dom = document.createElement("div");
    dom.className = "cm-remoteCaret";
    const label = document.createElement("div");
    label.className = "cm-remoteCaret-label";
    dom.append(label);
    this.adjust(dom);
    return dom;
  }

  update(dom, old) {
    if (!(old instanceof CaretMarker)) return false;
    this.adjust(dom);
    return true;
  }

  adjust(dom) {
    dom.style.left = `${this.left}px`;
    dom.style.top = `${this.top}px`;
    dom.style.height = `${this.height}px`;
    dom.style.setProperty("--remote-color", this.color);
    dom.style.setProperty("--remote-ink", inkFor(this.color));
    dom.dataset.participant = this.id;
    dom.classList.toggle("cm-remoteCaret-below", this.below);
    const label = /** @type {HTMLElement} */ (dom.firstChild);
    label.textContent = this.name; // never HTML: names come from other people
    label.hidden = !this.labelled;
    if (dom.dataset.moved !== String(this.moved)) {
      // Two identical animations, swapped: switching the name restarts the fade without forcing a layout.
      dom.dataset.moved = String(this.moved);
      dom.classList.toggle("cm-remoteCaret-again");
    }
  }

  eq(other) {
    return other instanceof CaretMarker && ["id", "name", "color", "left", "top", "height", "labelled", "below", "moved"]
      .every((key) => this[key] === other[key]);
  }
}

/** Where the layer's (0, 0) is on screen, as CodeMirror's own selection layer computes it. */
function layerOrigin(view) {
  const rect = view.scrollDOM.getBoundingClientRect();
  return {
    left: rect.left - view.scrollDOM.scrollLeft * view.scaleX,
    top: rect.top - view.scrollDOM.scrollTop * view.scaleY,
  };
}

function changed(update) {
  return update.docChanged || update.viewportChanged || update.geometryChanged
    || update.startState.field(remoteCursorField) !== update.state.field(remoteCursorField);
}

const selectionLayer = layer({
  above: false,
  class: "cm-remoteSelectionLayer",
  update: changed,
  markers(view) {
    const markers = [];
    for (const cursor of view.state.field(remoteCursorField).values()) {
      for (const { anchor, head } of cursor.ranges) {
        if (anchor === head) continue;
        for (const rectangle of RectangleMarker.forRange(view, "cm-remoteSelection", EditorSelection.range(anchor, head))) {
          markers.push(new TintedRectangle(rectangle, cursor.color));
        }
      }
    }
    return markers;
  },
});

const caretLayer = layer({
  above: true,
  class: "cm-remoteCaretLayer",
  update: changed,
  markers(view) {
    const markers = [];
    const origin = layerOrigin(view);
    const visibleTop = view.scrollDOM.getBoundingClientRect().top;
    for (const cursor of view.state.field(remoteCursorField).values()) {
      cursor.ranges.forEach(({ head }, index) => {
        if (head < view.viewport.from || head > view.viewport.to) return;
        const coords = view.coordsAtPos(head, 1) ?? view.coordsAtPos(head, -1);
        if (!coords) return;
        const top = coords.top - origin.top;
        markers.push(new CaretMarker({
          id: cursor.id,
          name: cursor.name,
          color: cursor.color,
          left: coords.left - origin.left,
          top,
          height: coords.bottom - coords.top,
          labelled: index === 0,
          // No room above on the first line, nor at the top of the visible part: the tag goes under the line.
          below: top < LABEL_ROOM_PX || coords.top - visibleTop < LABEL_ROOM_PX,
          moved: cursor.moved ?? 0,
        }));
      });
    }
    return markers;
  },
});

/** The field and its two layers (selections under the text, carets and names above it). */
export function remoteCursorExtension() {
  return [remoteCursorField, selectionLayer, caretLayer];
}
