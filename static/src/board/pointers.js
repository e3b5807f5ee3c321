// Other people's pointers on the board, drawn like their cursors in the editor: an arrow in their colour and
// their name. Kept in screen space (they do not grow with the zoom); gone when they leave the board.
import { svg } from "./render.js";

const FORGET_AFTER_MS = 30000; // a pointer that has not moved for this long is hidden (its page may be in the background)

export class RemotePointers {
  constructor({ layer, camera, presence }) {
    this.layer = layer;
    this.camera = camera;
    this.presence = presence;
    this.pointers = new Map(); // participant -> {x, y, at, node}
    camera.addEventListener("change", () => this.render());
    this.sweeper = setInterval(() => this.sweep(), 5000);
  }

  /** board_pointer {participant, x, y}: x null when that pointer left the board. */
  update({ participant, x, y }) {
    if (typeof participant !== "string") return;
    const had = this.pointers.get(participant);
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      had?.node.remove();
      this.pointers.delete(participant);
      return;
    }
    const pointer = had ?? { node: null, x: 0, y: 0, at: 0 };
    Object.assign(pointer, { x, y, at: Date.now() });
    this.pointers.set(participant, pointer);
    this.render();
  }

  render() {
    for (const [id, pointer] of this.pointers) {
      const person = this.presence.participant(id);
      if (!person) {
        pointer.node?.remove();
        this.pointers.delete(id);
        continue;
      }
      if (!pointer.node || pointer.node.dataset.name !== person.name || pointer.node.dataset.color !== person.color) {
        pointer.node?.remove();
        pointer.node = pointerNode(person);
        this.layer.append(pointer.node);
      }
      const { x, y } = this.camera.toScreen(pointer.x, pointer.y);
      pointer.node.setAttribute("transform", `translate(${x} ${y})`);
    }
  }

  sweep() {
    const old = Date.now() - FORGET_AFTER_MS;
    for (const [id, pointer] of this.pointers) if (pointer.at < old) this.update({ participant: id, x: null, y: null });
  }

  /** [{participant, name}] shown now (for tests). */
  shown() {
    return [...this.pointers.entries()].filter(([, p]) => p.node).map(([participant, p]) => ({ participant, name: p.node.dataset.name }));
  }

  destroy() {
    clearInterval(this.sweeper);
  }
}

function pointerNode(person) {
  const node = svg("g", { class: "board-pointer", "aria-hidden": "true" });
  node.dataset.name = person.name;
  node.dataset.color = person.color;
  node.append(svg("path", { d: "M0 0L0 15L4.2 11.3L7.2 17.5L9.6 16.4L6.7 10.4L12 10.2Z", fill: person.color, stroke: "#fff", "stroke-width": 1.2, "stroke-linejoin": "round" }));
  const label = svg("text", { x: 12, y: 26, class: "board-pointer-name" });
  label.textContent = person.name;
  const back = svg("rect", { x: 8, y: 14, height: 17, rx: 4, fill: person.color });
  node.append(back, label);
  // The label's box fits its text once it is laid out.
  requestAnimationFrame(() => {
    const width = label.getComputedTextLength?.() ?? person.name.length * 7;
    back.setAttribute("width", String(width + 8));
  });
  return node;
}
