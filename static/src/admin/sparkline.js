// One small chart: a caption with the latest value and an SVG line of the recent samples (no library).

import { figure } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 160;
const HEIGHT = 40;

export class Sparkline {
  /** `label`: what it shows, `unit`: after the number ("ms", "/s"). */
  constructor(container, label, unit = "") {
    this.label = label;
    this.unit = unit;
    this.element = document.createElement("figure");
    this.element.className = "admin-chart";
    const caption = document.createElement("figcaption");
    const name = document.createElement("span");
    name.textContent = label;
    this.value = document.createElement("strong");
    caption.append(name, this.value);
    this.svg = document.createElementNS(SVG, "svg");
    this.svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
    this.svg.setAttribute("preserveAspectRatio", "none");
    this.svg.setAttribute("role", "img");
    const axis = document.createElementNS(SVG, "line"); // the whole window, so a few first samples read as recent
    for (const [name, value] of [["x1", "0"], ["y1", String(HEIGHT - 0.5)], ["x2", String(WIDTH)], ["y2", String(HEIGHT - 0.5)]]) axis.setAttribute(name, value);
    axis.setAttribute("class", "admin-chart-axis");
    this.area = document.createElementNS(SVG, "polygon");
    this.area.setAttribute("class", "admin-chart-area");
    this.line = document.createElementNS(SVG, "polyline");
    this.line.setAttribute("class", "admin-chart-line");
    this.dot = document.createElementNS(SVG, "circle");
    this.dot.setAttribute("class", "admin-chart-dot");
    this.dot.setAttribute("r", "2.5");
    this.svg.append(axis, this.area, this.line, this.dot);
    this.element.append(caption, this.svg);
    container.append(this.element);
  }

  /** Draw `samples` (numbers or null for "no data"), oldest first, scaled to their maximum. */
  draw(samples, capacity) {
    const known = samples.filter((sample) => sample !== null);
    const latest = samples.length ? samples[samples.length - 1] : null;
    const top = Math.max(1, ...known);
    this.value.textContent = latest === null ? "–" : `${figure(latest)}${this.unit ? ` ${this.unit}` : ""}`;
    const step = WIDTH / Math.max(1, capacity - 1);
    const start = WIDTH - step * (samples.length - 1);
    const points = samples
      .map((sample, index) => (sample === null ? null : `${(start + index * step).toFixed(1)},${(HEIGHT - 2 - (sample / top) * (HEIGHT - 4)).toFixed(1)}`))
      .filter((point) => point !== null);
    this.line.setAttribute("points", points.join(" "));
    this.area.setAttribute("points", points.length ? `${points[0].split(",")[0]},${HEIGHT} ${points.join(" ")} ${points[points.length - 1].split(",")[0]},${HEIGHT}` : "");
    const last = points[points.length - 1];
    this.dot.style.display = latest === null || !last ? "none" : "";
    if (last) {
      const [x, y] = last.split(",");
      this.dot.setAttribute("cx", x);
      this.dot.setAttribute("cy", y);
    }
    const peak = known.length ? `, highest ${figure(Math.max(...known))}` : "";
    this.svg.setAttribute("aria-label", `${this.label}: ${latest === null ? "no data yet" : figure(latest)}${this.unit ? ` ${this.unit}` : ""}${peak}`);
  }
}
