// The Draw tab's whiteboard (loaded when Draw is first opened): wires the shared board (board-sync.js), the
// SVG view (render.js, camera.js), the toolbar, other people's pointers, and what the pointer and keys do.
import { BoardSync, randomId } from "./board-sync.js";
import { Camera, group } from "./camera.js";
import { inRectangle, penPoints, roundCoordinate, topmostAt, translated } from "./geometry.js";
import { RemotePointers } from "./pointers.js";
import { ElementLayer, INK, bounds, boundsOfAll, elementNode, svg } from "./render.js";
import { TOOLS, Toolbar } from "./toolbar.js";
import { UndoStack } from "./undo.js";

const TEXT_SIZES = { 2: 20, 4: 28, 8: 40 }; // font size of text for each stroke width
const POINTER_EVERY_MS = 80;
const MAX_MOVE = 100; // elements per board_move
const MAX_ERASE = 500; // ids per board_erase
const MIN_SHAPE = 2; // screen pixels: a click without a drag draws no shape

export class Board {
  /** `root`: the Draw panel; `info`: session-info.js; `presence`: names and colours; `toast`: messages; `ask`:
   * ui/host-dialogs.js's question (passed in: imported here it would split the first load's chunks). */
  constructor({ root, connection, info, presence, toast, ask }) {
    this.root = root;
    this.ask = ask;
    this.info = info;
    this.presence = presence;
    this.toast = toast;
    this.sync = new BoardSync({ connection, me: () => presence.me?.id });
    this.undo = new UndoStack(this.sync);
    this.tool = "pen";
    this.color = INK;
    this.width = 4;
    this.selected = new Set();
    /** @type {any} */
    this.gesture = null; // what the pointer is doing now: {kind: pen | shape | move | marquee | pan | pinch, …}
    this.touches = new Map(); // pointerId -> {x, y} of touches (two: pinch)
    this.spaceHeld = false;
    this.lastPointerSent = 0;
    this.build();
    this.sync.addEventListener("change", () => this.render());
    this.sync.addEventListener("pointer", (/** @type {CustomEvent} */ { detail }) => this.pointers.update(detail));
    this.sync.addEventListener("refused", (/** @type {CustomEvent} */ { detail }) => this.refused(detail));
    this.onInfo = () => this.render();
    info.addEventListener("change", this.onInfo);
    this.render();
  }

  build() {
    const bar = document.createElement("div");
    this.toolbar = new Toolbar(bar);
    this.toolbar.addEventListener("tool", (/** @type {CustomEvent} */ { detail }) => this.setTool(detail));
    this.toolbar.addEventListener("color", (/** @type {CustomEvent} */ { detail }) => this.setStyle({ color: detail }));
    this.toolbar.addEventListener("width", (/** @type {CustomEvent} */ { detail }) => this.setStyle({ width: detail }));
    this.toolbar.addEventListener("action", (/** @type {CustomEvent} */ { detail }) => this.action(detail));

    const stage = document.createElement("div");
    stage.className = "board-stage";
    this.svg = svg("svg", { class: "board-canvas", tabindex: 0, role: "application", "aria-label": "Whiteboard",
      "aria-roledescription": "whiteboard", "aria-describedby": "board-help" });
    const world = group("board-world");
    this.elementsLayer = new ElementLayer(group("board-elements"));
    this.preview = group("board-preview");
    this.selectionLayer = group("board-selection");
    world.append(this.elementsLayer.group, this.preview, this.selectionLayer);
    const pointersLayer = group("board-pointers");
    this.marquee = svg("rect", { class: "board-marquee", visibility: "hidden" });
    this.svg.append(world, pointersLayer, this.marquee);
    this.camera = new Camera(this.svg, world);
    this.camera.addEventListener("change", () => this.showToolbar());
    this.pointers = new RemotePointers({ layer: pointersLayer, camera: this.camera, presence: this.presence });

    this.textInput = document.createElement("textarea");
    this.textInput.className = "board-text-input";
    this.textInput.setAttribute("aria-label", "Text on the board");
    this.textInput.maxLength = 1000;
    this.textInput.hidden = true;
    const help = document.createElement("p");
    help.id = "board-help";
    help.className = "visually-hidden";
    help.textContent = `Draw with the pointer. Shortcuts: ${TOOLS.map((tool) => `${tool.key.toUpperCase()} ${tool.label}`).join(", ")
    }; Delete removes the selection; Ctrl+Z undoes my last change; + and - zoom, 0 fits; Space and drag, or the middle button, pans.`;
    stage.append(this.svg, this.textInput, help);
    this.root.append(bar, stage);

    this.svg.addEventListener("pointerdown", (event) => this.pointerDown(event));
    this.svg.addEventListener("pointermove", (event) => this.pointerMove(event));
    this.svg.addEventListener("pointerup", (event) => this.pointerUp(event));
    this.svg.addEventListener("pointercancel", (event) => this.pointerUp(event, true));
    this.svg.addEventListener("pointerleave", () => this.sendPointer(null));
    this.svg.addEventListener("wheel", (event) => {
      event.preventDefault();
      const factor = Math.exp(-event.deltaY * (event.ctrlKey ? 0.01 : 0.0015));
      this.camera.zoomBy(factor, event.clientX, event.clientY);
    }, { passive: false });
    this.root.addEventListener("keydown", (event) => this.keyDown(event));
    this.root.addEventListener("keyup", (event) => {
      if (event.key === " ") this.spaceHeld = false;
    });
    this.textInput.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.closeText(false);
      else if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        this.closeText(true);
      }
      event.stopPropagation();
    });
    this.textInput.addEventListener("blur", () => this.closeText(true));
  }

  /** Ended, or locked for candidates: the server refuses board operations then as it refuses edits. */
  get readOnly() {
    return !this.info.canEdit;
  }

  /** Shown: the board opens (the camera needs its size), or hidden (my pointer leaves it). */
  setVisible(visible) {
    if (visible && !this.fitted && this.svg.getBoundingClientRect().width) {
      this.fitted = true;
      this.camera.fit(boundsOfAll(this.sync.elements()));
    }
    if (!visible) this.sendPointer(null);
  }

  setTool(tool) {
    this.closeText(true);
    this.tool = tool;
    if (tool !== "select") this.selected.clear();
    this.render();
  }

  /** A colour or width: for what I draw next, and for the selection (a move with the same points does not
   * change style: the protocol has no restyle, so the selection's style stays). */
  setStyle(style) {
    Object.assign(this, style);
    this.render();
  }

  render() {
    const elements = this.sync.elements();
    const shown = this.gesture?.kind === "move" ? elements.map((element) => this.gesture.moved.get(element.id) ?? element) : elements;
    this.elementsLayer.render(shown);
    const ids = new Set(elements.map((element) => element.id));
    for (const id of this.selected) if (!ids.has(id)) this.selected.delete(id);
    this.selectionLayer.replaceChildren(...shown.filter((element) => this.selected.has(element.id)).map((element) => {
      const box = bounds(element);
      return svg("rect", { class: "board-selected", x: box.x0 - 4, y: box.y0 - 4, width: box.x1 - box.x0 + 8, height: box.y1 - box.y0 + 8,
        "vector-effect": "non-scaling-stroke" });
    }));
    this.root.classList.toggle("board-readonly", this.readOnly);
    this.svg.dataset.tool = this.spaceHeld || this.gesture?.kind === "pan" ? "hand" : this.readOnly && this.tool !== "hand" ? "select" : this.tool;
    this.showToolbar();
  }

  showToolbar() {
    this.toolbar.show({
      tool: this.readOnly && !["hand", "select"].includes(this.tool) ? "select" : this.tool,
      color: this.color,
      width: this.width,
      canUndo: !this.readOnly && this.undo.canUndo(),
      hasSelection: !this.readOnly && this.selected.size > 0,
      canClear: this.info.isHost && !this.readOnly,
      readOnly: this.readOnly,
      zoom: this.camera.zoom,
    });
  }

  action(id) {
    if (id === "undo") this.undoLast();
    else if (id === "delete") this.deleteSelected();
    else if (id === "clear") this.clear();
    else if (id === "zoom-in") this.camera.zoomBy(1.25);
    else if (id === "zoom-out") this.camera.zoomBy(0.8);
    else if (id === "fit") this.camera.fit(boundsOfAll(this.sync.elements()));
  }

  undoLast() {
    if (this.readOnly) return;
    if (!this.undo.undo()) this.toast.show("Nothing of yours to undo on the board.");
  }

  deleteSelected() {
    if (this.readOnly || !this.selected.size) return;
    const current = new Map(this.sync.elements().map((element) => [element.id, element]));
    const erased = [...this.selected].map((id) => current.get(id)).filter(Boolean);
    this.selected.clear();
    for (let i = 0; i < erased.length; i += MAX_ERASE) {
      this.sync.perform({ kind: "erase", ids: erased.slice(i, i + MAX_ERASE).map((element) => element.id) });
    }
    this.undo.push({ redraw: erased });
  }

  async clear() {
    if (!this.info.isHost || this.readOnly) return;
    const sure = await this.ask({ title: "Clear the board?", hint: "Everything on the board goes, for everyone. This cannot be undone.",
      confirm: "Clear board", danger: true });
    if (!sure) return;
    this.sync.perform({ kind: "clear" });
    this.selected.clear();
    this.undo.reset();
  }

  refused({ code, message }) {
    const why = message.replace(/^board_\w+: /, "");
    if (code === "ended") this.toast.show("The interview has ended: the board is read-only.");
    else if (code === "locked") this.toast.show("A host has locked editing: the board is read-only for now.");
    else if (code === "board_full") this.toast.show(`The board is full: ${why}. Erase something first.`);
    else this.toast.show(`The board did not take that change: ${why}`);
  }

  keyDown(event) {
    if (event.target === this.textInput) return;
    const mod = event.ctrlKey || event.metaKey;
    const key = event.key.toLowerCase();
    if (mod && key === "z" && !event.shiftKey) {
      event.preventDefault();
      this.undoLast();
      return;
    }
    if (mod || event.altKey) return;
    if (event.target instanceof HTMLElement && event.target.closest("button") && (key === " " || key === "enter")) return;
    if (key === " ") {
      this.spaceHeld = true;
      event.preventDefault();
      this.render();
    } else if (key === "delete" || key === "backspace") {
      event.preventDefault();
      this.deleteSelected();
    } else if (key === "escape") {
      this.selected.clear();
      this.render();
    } else if (key === "+" || key === "=") this.camera.zoomBy(1.25);
    else if (key === "-") this.camera.zoomBy(0.8);
    else if (key === "0") this.action("fit");
    else {
      const tool = TOOLS.find((candidate) => candidate.key === key);
      if (tool && (!this.readOnly || tool.id === "hand" || tool.id === "select")) this.setTool(tool.id);
    }
  }

  pointerDown(event) {
    this.focusBoard();
    if (event.pointerType === "touch") {
      this.touches.set(event.pointerId, { x: event.clientX, y: event.clientY });
      if (this.touches.size === 2) {
        this.cancelGesture();
        this.gesture = { kind: "pinch", ...this.pinchState() };
        return;
      }
    }
    if (this.gesture) return;
    const at = this.camera.toBoard(event.clientX, event.clientY);
    const panning = event.button === 1 || this.spaceHeld || this.tool === "hand";
    if (event.button !== 0 && !panning) return;
    event.preventDefault();
    this.svg.setPointerCapture(event.pointerId);
    const tool = this.readOnly && !panning ? "select" : this.tool;
    if (panning) this.gesture = { kind: "pan", x: event.clientX, y: event.clientY };
    else if (tool === "select") this.startSelect(event, at);
    else if (tool === "text") this.openText(at);
    else if (tool === "pen") this.gesture = { kind: "pen", points: [at.x, at.y] };
    else this.gesture = { kind: "shape", type: tool, from: at, to: at, screen: { x: event.clientX, y: event.clientY } };
    if (this.gesture) this.gesture.pointerId = event.pointerId;
    this.render();
    this.drawPreview();
  }

  startSelect(event, at) {
    const elements = this.sync.elements();
    const hit = topmostAt(elements, at.x, at.y, 6 / this.camera.zoom);
    if (hit && !this.readOnly) {
      if (event.shiftKey) {
        if (this.selected.has(hit.id)) this.selected.delete(hit.id);
        else this.selected.add(hit.id);
      } else if (!this.selected.has(hit.id)) {
        this.selected = new Set([hit.id]);
      }
      this.gesture = { kind: "move", from: at, moved: new Map(), dx: 0, dy: 0 };
    } else {
      if (!event.shiftKey) this.selected.clear();
      this.gesture = { kind: "marquee", from: at, to: at, before: new Set(this.selected) };
    }
  }

  pointerMove(event) {
    const at = this.camera.toBoard(event.clientX, event.clientY);
    this.sendPointer(at);
    if (event.pointerType === "touch" && this.touches.has(event.pointerId)) {
      this.touches.set(event.pointerId, { x: event.clientX, y: event.clientY });
      if (this.gesture?.kind === "pinch") return this.pinch();
    }
    const gesture = this.gesture;
    if (!gesture || gesture.pointerId !== event.pointerId) return;
    if (gesture.kind === "pan") {
      this.camera.panBy(event.clientX - gesture.x, event.clientY - gesture.y);
      Object.assign(gesture, { x: event.clientX, y: event.clientY });
    } else if (gesture.kind === "pen") {
      const events = typeof event.getCoalescedEvents === "function" ? event.getCoalescedEvents() : [];
      for (const one of events.length ? events : [event]) {
        const point = this.camera.toBoard(one.clientX, one.clientY);
        gesture.points.push(point.x, point.y);
      }
      this.drawPreview();
    } else if (gesture.kind === "shape") {
      gesture.to = at;
      gesture.dragged ||= Math.hypot(event.clientX - gesture.screen.x, event.clientY - gesture.screen.y) >= MIN_SHAPE;
      this.drawPreview();
    } else if (gesture.kind === "move") {
      gesture.dx = roundCoordinate(at.x - gesture.from.x);
      gesture.dy = roundCoordinate(at.y - gesture.from.y);
      gesture.moved = new Map(this.sync.elements().filter((element) => this.selected.has(element.id))
        .map((element) => [element.id, { ...element, points: translated(element.points, gesture.dx, gesture.dy) }]));
      this.render();
    } else if (gesture.kind === "marquee") {
      gesture.to = at;
      const inside = inRectangle(this.sync.elements(), gesture.from.x, gesture.from.y, at.x, at.y).map((element) => element.id);
      this.selected = new Set([...gesture.before, ...inside]);
      this.drawMarquee();
      this.render();
    }
  }

  pointerUp(event, cancelled = false) {
    this.touches.delete(event.pointerId);
    const gesture = this.gesture;
    if (gesture?.kind === "pinch") {
      if (this.touches.size < 2) this.gesture = null;
      return;
    }
    if (!gesture || gesture.pointerId !== event.pointerId) return;
    this.gesture = null;
    this.preview.replaceChildren();
    this.marquee.setAttribute("visibility", "hidden");
    if (!cancelled) this.finish(gesture);
    this.render();
  }

  cancelGesture() {
    this.gesture = null;
    this.preview.replaceChildren();
    this.marquee.setAttribute("visibility", "hidden");
  }

  /** A gesture ended: what it drew or moved goes to the board. */
  finish(gesture) {
    if (gesture.kind === "pen") {
      this.draw({ type: "pen", points: penPoints(gesture.points) });
    } else if (gesture.kind === "shape" && gesture.dragged) {
      const { from, to } = gesture;
      this.draw({ type: gesture.type, points: [from.x, from.y, to.x, to.y].map(roundCoordinate) });
    } else if (gesture.kind === "move" && (gesture.dx || gesture.dy)) {
      const moved = [...gesture.moved.values()];
      const before = new Map(this.sync.elements().map((element) => [element.id, element.points]));
      const undo = moved.map(({ id }) => ({ id, points: before.get(id) })).filter((element) => element.points);
      this.move(moved.map(({ id, points }) => ({ id, points })));
      this.undo.push({ move: undo });
    }
  }

  /** Draws a new element of mine ({type, points, text?, size?} in my colour and width). */
  draw(fields) {
    const element = { id: randomId(), type: fields.type, color: this.color, width: this.width, points: fields.points,
      ...(fields.type === "text" ? { text: fields.text, size: fields.size } : {}) };
    this.sync.perform({ kind: "draw", element });
    this.undo.push({ erase: [element.id] });
  }

  move(elements) {
    for (let i = 0; i < elements.length; i += MAX_MOVE) this.sync.perform({ kind: "move", elements: elements.slice(i, i + MAX_MOVE) });
  }

  drawPreview() {
    const gesture = this.gesture;
    if (gesture?.kind === "pen") {
      this.preview.replaceChildren(elementNode({ id: "preview", type: "pen", color: this.color, width: this.width, points: gesture.points }));
    } else if (gesture?.kind === "shape" && gesture.dragged) {
      const { from, to } = gesture;
      this.preview.replaceChildren(elementNode({ id: "preview", type: gesture.type, color: this.color, width: this.width,
        points: [from.x, from.y, to.x, to.y] }));
    }
  }

  drawMarquee() {
    const { from, to } = this.gesture;
    const a = this.camera.toScreen(Math.min(from.x, to.x), Math.min(from.y, to.y));
    const b = this.camera.toScreen(Math.max(from.x, to.x), Math.max(from.y, to.y));
    for (const [name, value] of Object.entries({ x: a.x, y: a.y, width: b.x - a.x, height: b.y - a.y, visibility: "visible" })) {
      this.marquee.setAttribute(name, String(value));
    }
  }

  pinchState() {
    const [a, b] = [...this.touches.values()];
    return { distance: Math.hypot(a.x - b.x, a.y - b.y) || 1, mid: { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 } };
  }

  pinch() {
    const now = this.pinchState();
    this.camera.panBy(now.mid.x - this.gesture.mid.x, now.mid.y - this.gesture.mid.y);
    this.camera.zoomBy(now.distance / this.gesture.distance, now.mid.x, now.mid.y);
    Object.assign(this.gesture, now);
  }

  /** The text box, where I clicked; Enter (or leaving it) puts the text on the board. */
  openText(at) {
    this.closeText(true);
    const size = TEXT_SIZES[this.width] ?? 24;
    this.textAt = { x: roundCoordinate(at.x), y: roundCoordinate(at.y), size };
    const screen = this.camera.toScreen(at.x, at.y);
    const input = this.textInput;
    input.value = "";
    input.style.setProperty("--x", `${screen.x}px`);
    input.style.setProperty("--y", `${screen.y}px`);
    input.style.setProperty("--size", `${size * this.camera.zoom}px`);
    input.style.setProperty("--color", this.color === INK ? "var(--board-ink)" : this.color);
    input.hidden = false;
    input.focus({ preventScroll: true }); // now: keys typed at once must not reach the board's shortcuts
  }

  closeText(keep) {
    if (!this.textAt) return;
    const at = this.textAt;
    this.textAt = null;
    const text = this.textInput.value.replace(/\s+$/, "").slice(0, 1000);
    this.textInput.hidden = true;
    if (keep && text.trim()) this.draw({ type: "text", points: [at.x, at.y], text, size: at.size });
    if (document.activeElement === this.textInput) this.focusBoard();
  }

  /** Keys go to the board (its shortcuts); the focus ring shows only when the keyboard brought it there. */
  focusBoard() {
    this.svg.focus(/** @type {FocusOptions} */ ({ preventScroll: true, focusVisible: false }));
  }

  /** My pointer to the others, at most every POINTER_EVERY_MS (null: it left the board). */
  sendPointer(at) {
    if (at === null) {
      if (this.pointerShown) this.sync.pointer(null, null);
      this.pointerShown = false;
      return;
    }
    const now = performance.now();
    if (now - this.lastPointerSent < POINTER_EVERY_MS) return;
    this.lastPointerSent = now;
    this.pointerShown = true;
    this.sync.pointer(roundCoordinate(at.x), roundCoordinate(at.y));
  }

  /** For tests (window.pad.board): the board's text, version and pending count, and what is drawn. */
  testHook() {
    return {
      text: () => this.sync.doc.text,
      version: () => this.sync.doc.version,
      pending: () => this.sync.doc.pending.length,
      markup: () => this.elementsLayer.group.innerHTML,
      pointers: () => this.pointers.shown(),
      camera: () => ({ x: this.camera.x, y: this.camera.y, zoom: this.camera.zoom }),
    };
  }
}
