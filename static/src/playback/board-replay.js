// The whiteboard in playback and in the offline export: the board as it was after a number of its updates
// (history.board), drawn beside the code, stroke by stroke as the playhead moves. No network.
import { BoardHistory, elementsOf, parseElement } from "../board/board-document.js";
import { ElementLayer, boundsOfAll, svg } from "../board/render.js";

const PAD = 24;
const MIN_AREA = { width: 600, height: 450 }; // board units shown at least (the board's 100% on a laptop)

export class BoardReplay {
  /** A replay of `board` ({version, text, updates}), or null when the session never drew anything. */
  static of(board) {
    const replay = new BoardReplay(board);
    return replay.history.updates.length || replay.history.startText ? replay : null;
  }

  constructor(board) {
    this.history = new BoardHistory(board);
    this.shown = -1;
    this.cache = new Map();
    this.element = document.createElement("section");
    this.element.className = "pb-board";
    this.element.setAttribute("aria-label", "Whiteboard at this point");
    const heading = document.createElement("h3");
    heading.className = "pb-heading pb-board-heading";
    heading.textContent = "Whiteboard";
    this.canvas = svg("svg", { class: "board-canvas", role: "img", "aria-label": "Whiteboard drawing at this point",
      preserveAspectRatio: "xMidYMid meet" });
    this.layer = new ElementLayer(svg("g", { class: "board-elements" }));
    this.canvas.append(this.layer.group);
    this.element.append(heading, this.canvas);
    const area = this.area();
    this.canvas.setAttribute("viewBox", `${area.x0 - PAD} ${area.y0 - PAD} ${area.x1 - area.x0 + 2 * PAD} ${area.y1 - area.y0 + 2 * PAD}`);
  }

  /** The bounds of everything ever drawn (every line any update inserted), so the view stays still while it plays. */
  area() {
    const elements = [...elementsOf(this.history.startText).values()];
    for (const update of this.history.updates) {
      for (const part of Array.isArray(update.changes) ? update.changes : []) {
        if (!Array.isArray(part)) continue;
        for (const line of part.slice(1)) {
          const element = typeof line === "string" && line ? parseElement(line) : null;
          if (element) elements.push(element);
        }
      }
    }
    const all = boundsOfAll(elements) ?? { x0: 0, y0: 0, x1: 0, y1: 0 };
    // At least MIN_AREA across, centred: a small sketch is not blown up to fill the panel.
    const grow = (low, high, least) => {
      const extra = Math.max(0, least - (high - low)) / 2;
      return [low - extra, high + extra];
    };
    const [x0, x1] = grow(all.x0, all.x1, MIN_AREA.width);
    const [y0, y1] = grow(all.y0, all.y1, MIN_AREA.height);
    return { x0, y0, x1, y1 };
  }

  /** Draws the board after its first `count` updates. */
  show(count) {
    if (count === this.shown) return;
    this.shown = count;
    const text = this.history.textAfter(count);
    this.layer.render([...elementsOf(text, this.cache).values()]);
    this.canvas.dataset.updates = String(count);
  }

  /** The board's text after `count` updates (for tests). */
  textAfter(count) {
    return this.history.textAfter(count);
  }
}
