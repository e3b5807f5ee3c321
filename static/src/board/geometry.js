// Board geometry (no DOM): what a click hits, what a marquee holds, moved points, and the server's limits on points.
import { bounds } from "./render.js";

export const MAX_PEN_POINTS = 2000;
export const MAX_COORDINATE = 100000;

/** A coordinate as the server keeps it: within ±100000, one decimal. */
export function roundCoordinate(value) {
  return Math.round(Math.max(-MAX_COORDINATE, Math.min(MAX_COORDINATE, value)) * 10) / 10;
}

function segmentDistance(px, py, x0, y0, x1, y1) {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const length = dx * dx + dy * dy;
  const t = length ? Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / length)) : 0;
  return Math.hypot(px - (x0 + t * dx), py - (y0 + t * dy));
}

/** Does (x, y) touch `element` (within `tolerance` board units of its stroke; text: its box)? */
export function hits(element, x, y, tolerance) {
  const { type, points, width } = element;
  const reach = tolerance + width / 2;
  if (type === "text") {
    const box = bounds(element);
    return x >= box.x0 - tolerance && x <= box.x1 + tolerance && y >= box.y0 - tolerance && y <= box.y1 + tolerance;
  }
  if (type === "pen" || type === "line" || type === "arrow") {
    if (points.length === 2) return Math.hypot(x - points[0], y - points[1]) <= reach + width / 2;
    for (let i = 0; i + 3 < points.length; i += 2) {
      if (segmentDistance(x, y, points[i], points[i + 1], points[i + 2], points[i + 3]) <= reach) return true;
    }
    return false;
  }
  const [x0, y0, x1, y1] = points;
  const [left, right, top, bottom] = [Math.min(x0, x1), Math.max(x0, x1), Math.min(y0, y1), Math.max(y0, y1)];
  if (type === "rect") {
    return [[left, top, right, top], [right, top, right, bottom], [right, bottom, left, bottom], [left, bottom, left, top]]
      .some(([ax, ay, bx, by]) => segmentDistance(x, y, ax, ay, bx, by) <= reach);
  }
  // Ellipse: distance from its outline, approximately (by the normalised radius).
  const rx = (right - left) / 2 || 0.001;
  const ry = (bottom - top) / 2 || 0.001;
  const cx = left + rx;
  const cy = top + ry;
  const normalised = Math.hypot((x - cx) / rx, (y - cy) / ry);
  return Math.abs(normalised - 1) * Math.min(rx, ry) <= reach;
}

/** The topmost element at (x, y), or null (`elements` in drawing order). */
export function topmostAt(elements, x, y, tolerance) {
  for (let i = elements.length - 1; i >= 0; i--) if (hits(elements[i], x, y, tolerance)) return elements[i];
  return null;
}

/** The elements whose bounds meet the rectangle from (x0, y0) to (x1, y1). */
export function inRectangle(elements, x0, y0, x1, y1) {
  const [left, right, top, bottom] = [Math.min(x0, x1), Math.max(x0, x1), Math.min(y0, y1), Math.max(y0, y1)];
  return elements.filter((element) => {
    const box = bounds(element);
    return box.x1 >= left && box.x0 <= right && box.y1 >= top && box.y0 <= bottom;
  });
}

/** `points` moved by (dx, dy), rounded as the server keeps them. */
export function translated(points, dx, dy) {
  return points.map((value, i) => roundCoordinate(value + (i % 2 ? dy : dx)));
}

/**
 * A freehand stroke's points within the server's limit: rounded, repeats dropped, and every other point
 * dropped (ends kept) until there are at most MAX_PEN_POINTS.
 */
export function penPoints(raw) {
  let points = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const x = roundCoordinate(raw[i]);
    const y = roundCoordinate(raw[i + 1]);
    if (points.length && points[points.length - 2] === x && points[points.length - 1] === y) continue;
    points.push(x, y);
  }
  while (points.length / 2 > MAX_PEN_POINTS) {
    const thinned = [];
    const count = points.length / 2;
    for (let i = 0; i < count; i++) if (i % 2 === 0 || i === count - 1) thinned.push(points[2 * i], points[2 * i + 1]);
    points = thinned;
  }
  return points;
}
