// The board's view: which part of the (unbounded) board the SVG shows, at what zoom.
import { svg } from "./render.js";

export const MIN_ZOOM = 0.1;
export const MAX_ZOOM = 8;

/** Events: `change` whenever the view moves or zooms. */
export class Camera extends EventTarget {
  constructor(element, group) {
    super();
    this.element = element; // the <svg>
    this.group = group; // the <g> holding the board, transformed
    this.x = 0; // board coordinates at the view's top-left corner
    this.y = 0;
    this.zoom = 1;
    this.apply();
  }

  /** Board coordinates of a point on screen (client coordinates). */
  toBoard(clientX, clientY) {
    const box = this.element.getBoundingClientRect();
    return { x: (clientX - box.left) / this.zoom + this.x, y: (clientY - box.top) / this.zoom + this.y };
  }

  /** Position within the SVG (pixels) of a board point. */
  toScreen(x, y) {
    return { x: (x - this.x) * this.zoom, y: (y - this.y) * this.zoom };
  }

  panBy(dx, dy) {
    this.x -= dx / this.zoom;
    this.y -= dy / this.zoom;
    this.apply();
  }

  /** Zooms by `factor` keeping the board point under (clientX, clientY) in place (default: the centre). */
  zoomBy(factor, clientX = null, clientY = null) {
    const box = this.element.getBoundingClientRect();
    const cx = clientX ?? box.left + box.width / 2;
    const cy = clientY ?? box.top + box.height / 2;
    const anchor = this.toBoard(cx, cy);
    this.zoom = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, this.zoom * factor));
    this.x = anchor.x - (cx - box.left) / this.zoom;
    this.y = anchor.y - (cy - box.top) / this.zoom;
    this.apply();
  }

  /** Shows the bounds {x0, y0, x1, y1} whole and centred (null: the origin at 100%). */
  fit(bounds) {
    const box = this.element.getBoundingClientRect();
    if (!bounds || !box.width || !box.height) {
      Object.assign(this, { x: 0, y: 0, zoom: 1 });
    } else {
      const pad = 24;
      const zoom = Math.min((box.width - 2 * pad) / Math.max(1, bounds.x1 - bounds.x0),
        (box.height - 2 * pad) / Math.max(1, bounds.y1 - bounds.y0), 2);
      this.zoom = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, zoom));
      this.x = (bounds.x0 + bounds.x1) / 2 - box.width / 2 / this.zoom;
      this.y = (bounds.y0 + bounds.y1) / 2 - box.height / 2 / this.zoom;
    }
    this.apply();
  }

  apply() {
    const z = this.zoom;
    this.group.setAttribute("transform", `matrix(${z} 0 0 ${z} ${-this.x * z} ${-this.y * z})`);
    this.dispatchEvent(new Event("change"));
  }
}

/** A <g> group (for the camera's layers). */
export const group = (className) => svg("g", { class: className });
