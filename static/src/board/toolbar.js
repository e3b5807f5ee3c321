// The board's toolbar: tools, colours, stroke widths and actions, each a button with an accessible name
// (and its shortcut in the title). Emits `tool`, `color`, `width` and `action` events (detail: the choice).
import { INK } from "./render.js";

export const TOOLS = [
  { id: "select", label: "Select", key: "v", icon: "M5 3l12 8-5.5 1L15 18l-2.5 1.2-3-6L5 16Z" },
  { id: "hand", label: "Pan", key: "h", icon: "M7 11V5.5a1.5 1.5 0 0 1 3 0V10V4a1.5 1.5 0 0 1 3 0v6V5.5a1.5 1.5 0 0 1 3 0V13c0 4-2.5 6-5.5 6S5.5 17.5 4 15l-1.5-3a1.4 1.4 0 0 1 2.4-1.4L7 13" },
  { id: "pen", label: "Pen", key: "p", icon: "M4 16c3-1 4-6 7-8s5-1 5 1-3 4-5 6-2 3 0 3 4-2 5-3" },
  { id: "line", label: "Line", key: "l", icon: "M4 16L16 4" },
  { id: "arrow", label: "Arrow", key: "a", icon: "M4 16L16 4M9 4h7v7" },
  { id: "rect", label: "Rectangle", key: "r", icon: "M3.5 5.5h13v9h-13Z" },
  { id: "ellipse", label: "Ellipse", key: "o", icon: "M10 4.5c4 0 7 2.5 7 5.5s-3 5.5-7 5.5S3 13 3 10s3-5.5 7-5.5Z" },
  { id: "text", label: "Text", key: "t", icon: "M4 5V3.5h12V5M10 3.5v13M7.5 16.5h5" },
];
// Mid tones that read on light and dark backgrounds; the ink is drawn in the theme's text colour.
export const COLORS = [
  { value: INK, label: "Ink" },
  { value: "#e03131", label: "Red" },
  { value: "#f08c00", label: "Orange" },
  { value: "#2f9e44", label: "Green" },
  { value: "#1c7ed6", label: "Blue" },
  { value: "#ae3ec9", label: "Violet" },
];
export const WIDTHS = [{ value: 2, label: "Thin" }, { value: 4, label: "Medium" }, { value: 8, label: "Bold" }];
const ACTIONS = {
  undo: { label: "Undo", title: "Undo my last change (Ctrl+Z)", icon: "M7 5L3 9l4 4M3 9h9a5 5 0 0 1 0 10H9" },
  delete: { label: "Delete selected", title: "Delete selected (Delete)", icon: "M4 6h12M8 6V4h4v2M6 6l1 11h6l1-11" },
  clear: { label: "Clear board", title: "Clear the whole board (hosts)", icon: "M4 13.5 10.5 7l5 5-4.5 4.5H7ZM7.5 10l5 5M4 17.5h12" },
  "zoom-out": { label: "Zoom out", title: "Zoom out (-)", icon: "M5 10h10" },
  "zoom-in": { label: "Zoom in", title: "Zoom in (+)", icon: "M5 10h10M10 5v10" },
  fit: { label: "Fit drawing", title: "Fit the drawing in view (0)", icon: "M3 7V3h4M13 3h4v4M17 13v4h-4M7 17H3v-4" },
};

function icon(d) {
  const ns = "http://www.w3.org/2000/svg";
  const node = document.createElementNS(ns, "svg");
  for (const [k, v] of Object.entries({ viewBox: "0 0 20 20", width: "18", height: "18", "aria-hidden": "true", fill: "none",
    stroke: "currentColor", "stroke-width": "1.6", "stroke-linecap": "round", "stroke-linejoin": "round" })) node.setAttribute(k, v);
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", d);
  node.append(path);
  return node;
}

function button(label, title, className) {
  const node = document.createElement("button");
  node.type = "button";
  node.className = `board-button ${className}`;
  node.setAttribute("aria-label", label);
  node.title = title;
  return node;
}

export class Toolbar extends EventTarget {
  constructor(root) {
    super();
    this.root = root;
    root.className = "board-toolbar";
    root.setAttribute("role", "toolbar");
    root.setAttribute("aria-label", "Drawing tools");
    this.tools = new Map();
    this.colors = new Map();
    this.widths = new Map();
    this.actions = new Map();
    const group = (label) => {
      const node = document.createElement("div");
      node.className = "board-group";
      node.setAttribute("role", "group");
      node.setAttribute("aria-label", label);
      root.append(node);
      return node;
    };
    const tools = group("Tools");
    for (const tool of TOOLS) {
      const node = button(tool.label, `${tool.label} (${tool.key.toUpperCase()})`, "board-tool");
      node.append(icon(tool.icon));
      node.addEventListener("click", () => this.emit("tool", tool.id));
      this.tools.set(tool.id, node);
      tools.append(node);
    }
    this.styleGroups = [group("Colour"), group("Stroke width")];
    for (const color of COLORS) {
      const node = button(color.label, `Colour: ${color.label}`, "board-swatch");
      const dot = document.createElement("span");
      dot.className = color.value === INK ? "board-swatch-dot board-swatch-ink" : "board-swatch-dot";
      dot.style.setProperty("--swatch", color.value);
      node.append(dot);
      node.addEventListener("click", () => this.emit("color", color.value));
      this.colors.set(color.value, node);
      this.styleGroups[0].append(node);
    }
    for (const width of WIDTHS) {
      const node = button(width.label, `Stroke: ${width.label}`, "board-width");
      const bar = document.createElement("span");
      bar.className = "board-width-bar";
      bar.style.setProperty("--bar", `${width.value / 2 + 1}px`);
      node.append(bar);
      node.addEventListener("click", () => this.emit("width", width.value));
      this.widths.set(width.value, node);
      this.styleGroups[1].append(node);
    }
    const edits = group("Edit");
    const view = group("View");
    for (const [id, action] of Object.entries(ACTIONS)) {
      const node = button(action.label, action.title, `board-action board-${id}`);
      node.append(icon(action.icon));
      node.addEventListener("click", () => this.emit("action", id));
      this.actions.set(id, node);
      (id.startsWith("zoom") || id === "fit" ? view : edits).append(node);
      if (id === "zoom-out") {
        this.zoomLabel = document.createElement("span");
        this.zoomLabel.className = "board-zoom";
        this.zoomLabel.setAttribute("aria-label", "Zoom");
        this.zoomLabel.setAttribute("role", "status");
        view.append(this.zoomLabel);
      }
    }
    this.editGroups = [this.styleGroups[0], this.styleGroups[1], edits];
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** Shows the current choices as pressed. */
  show({ tool, color, width, canUndo, hasSelection, canClear, readOnly, zoom }) {
    for (const [id, node] of this.tools) {
      node.setAttribute("aria-pressed", String(id === tool));
      node.hidden = readOnly && id !== "hand" && id !== "select";
    }
    for (const [value, node] of this.colors) node.setAttribute("aria-pressed", String(value === color));
    for (const [value, node] of this.widths) node.setAttribute("aria-pressed", String(value === width));
    for (const node of this.editGroups) node.hidden = readOnly;
    /** @type {HTMLButtonElement} */ (this.actions.get("undo")).disabled = !canUndo;
    /** @type {HTMLButtonElement} */ (this.actions.get("delete")).disabled = !hasSelection;
    this.actions.get("clear").hidden = !canClear;
    this.zoomLabel.textContent = `${Math.round(zoom * 100)}%`;
  }
}
