// Draws board elements as SVG (the live board and playback share it). Presentation attributes only, never
// style="" (the CSP allows no inline styles); the default ink follows the theme through a class in board.css.
import { getStroke } from "perfect-freehand";

const SVG = "http://www.w3.org/2000/svg";
export const INK = "#1e1e1e"; // drawn in the page's text colour (dark in light themes, light in dark ones)
export const LINE_HEIGHT = 1.25; // text lines, in font sizes

/** An SVG element with attributes. */
export function svg(tag, attributes = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

/** [[x, y], …] of a flat [x0, y0, x1, y1, …]. */
export function pairs(points) {
  const out = [];
  for (let i = 0; i + 1 < points.length; i += 2) out.push([points[i], points[i + 1]]);
  return out;
}

/** The path of a freehand stroke's outline (perfect-freehand): a filled shape. */
export function penPath(points, width) {
  const outline = getStroke(pairs(points), { size: width * 2, thinning: 0.5, smoothing: 0.5, streamline: 0.5, simulatePressure: true });
  if (!outline.length) return "";
  const r = (n) => Math.round(n * 100) / 100;
  let d = `M${r(outline[0][0])} ${r(outline[0][1])}Q`;
  for (let i = 0; i < outline.length; i++) {
    const [x0, y0] = outline[i];
    const [x1, y1] = outline[(i + 1) % outline.length];
    d += `${r(x0)} ${r(y0)} ${r((x0 + x1) / 2)} ${r((y0 + y1) / 2)} `;
  }
  return `${d}Z`;
}

/** The path of an arrow from (x0, y0) to (x1, y1): the shaft and a two-stroke head. */
export function arrowPath([x0, y0, x1, y1], width) {
  const angle = Math.atan2(y1 - y0, x1 - x0);
  const head = Math.min(Math.hypot(x1 - x0, y1 - y0) * 0.5, 10 + width * 3);
  const wing = (side) => [x1 - head * Math.cos(angle + side * 0.45), y1 - head * Math.sin(angle + side * 0.45)];
  const [ax, ay] = wing(1);
  const [bx, by] = wing(-1);
  return `M${x0} ${y0}L${x1} ${y1}M${ax} ${ay}L${x1} ${y1}L${bx} ${by}`;
}

/** The SVG node of one element. */
export function elementNode(element) {
  const { type, points, color, width } = element;
  const ink = color === INK;
  const strokeAttributes = {
    fill: "none", stroke: color, "stroke-width": width, "stroke-linecap": "round", "stroke-linejoin": "round",
    ...(ink ? { class: "board-ink-stroke" } : {}),
  };
  let node;
  if (type === "pen") {
    node = points.length <= 2
      ? svg("circle", { cx: points[0], cy: points[1], r: width, fill: color, ...(ink ? { class: "board-ink-fill" } : {}) })
      : svg("path", { d: penPath(points, width), fill: color, ...(ink ? { class: "board-ink-fill" } : {}) });
  } else if (type === "line") {
    node = svg("line", { x1: points[0], y1: points[1], x2: points[2] ?? points[0], y2: points[3] ?? points[1], ...strokeAttributes });
  } else if (type === "arrow") {
    node = svg("path", { d: arrowPath(points.length >= 4 ? points : [...points, ...points], width), ...strokeAttributes });
  } else if (type === "rect") {
    const [x0, y0, x1 = x0, y1 = y0] = points;
    node = svg("rect", { x: Math.min(x0, x1), y: Math.min(y0, y1), width: Math.abs(x1 - x0), height: Math.abs(y1 - y0), ...strokeAttributes });
  } else if (type === "ellipse") {
    const [x0, y0, x1 = x0, y1 = y0] = points;
    node = svg("ellipse", { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, rx: Math.abs(x1 - x0) / 2, ry: Math.abs(y1 - y0) / 2, ...strokeAttributes });
  } else {
    const size = Number(element.size) || 20;
    node = svg("text", { x: points[0], y: points[1], "font-size": size, fill: color, ...(ink ? { class: "board-ink-fill" } : {}) });
    String(element.text ?? "").split("\n").forEach((line, index) => {
      const span = svg("tspan", { x: points[0], dy: index === 0 ? size : size * LINE_HEIGHT });
      span.textContent = line || " ";
      node.append(span);
    });
  }
  node.dataset.id = element.id;
  return node;
}

/** Keeps an SVG group showing a list of elements, rebuilding only the nodes of elements that changed. */
export class ElementLayer {
  constructor(group) {
    this.group = group;
    this.nodes = new Map(); // id -> {element, node}
  }

  render(elements) {
    const next = new Map();
    const ordered = [];
    for (const element of elements) {
      const had = this.nodes.get(element.id);
      const entry = had && had.element === element ? had : { element, node: elementNode(element) };
      next.set(element.id, entry);
      ordered.push(entry.node);
    }
    this.nodes = next;
    const current = this.group.children;
    if (current.length !== ordered.length || ordered.some((node, i) => current[i] !== node)) this.group.replaceChildren(...ordered);
  }
}

/** {x0, y0, x1, y1}: an element's bounds, its stroke included. */
export function bounds(element) {
  const { points, width } = element;
  if (element.type === "text") {
    const size = Number(element.size) || 20;
    const lines = String(element.text ?? "").split("\n");
    const longest = Math.max(...lines.map((line) => line.length));
    return { x0: points[0], y0: points[1], x1: points[0] + longest * size * 0.6, y1: points[1] + lines.length * size * LINE_HEIGHT };
  }
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i + 1 < points.length; i += 2) {
    x0 = Math.min(x0, points[i]);
    x1 = Math.max(x1, points[i]);
    y0 = Math.min(y0, points[i + 1]);
    y1 = Math.max(y1, points[i + 1]);
  }
  const pad = element.type === "arrow" ? 10 + width * 3 : width;
  return { x0: x0 - pad, y0: y0 - pad, x1: x1 + pad, y1: y1 + pad };
}

/** The bounds of several elements together, or null for none. */
export function boundsOfAll(elements) {
  if (!elements.length) return null;
  const all = elements.map(bounds);
  return {
    x0: Math.min(...all.map((b) => b.x0)), y0: Math.min(...all.map((b) => b.y0)),
    x1: Math.max(...all.map((b) => b.x1)), y1: Math.max(...all.map((b) => b.y1)),
  };
}
