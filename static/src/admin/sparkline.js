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
    this.area = document.createElementNS(SVG, "polygon");
    this.area.setAttribute("class", "admin-chart-area");
    this.line = document.createElementNS(SVG, "polyline");
    this.line.setAttribute("class", "admin-chart-line");
    this.svg.append(this.area, this.line);
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
    const peak = known.length ? `, highest ${figure(Math.max(...known))}` : "";
    this.svg.setAttribute("aria-label", `${this.label}: ${latest === null ? "no data yet" : figure(latest)}${this.unit ? ` ${this.unit}` : ""}${peak}`);
  }
}
