// The call's small icons (microphone, camera, each with an "off" slash), drawn with DOM calls (no markup strings).

const SVG = "http://www.w3.org/2000/svg";
const PATHS = {
  microphone: ["M8 1.8a2.2 2.2 0 0 0-2.2 2.2v4a2.2 2.2 0 0 0 4.4 0V4A2.2 2.2 0 0 0 8 1.8z",
    "M3.8 7.6a4.2 4.2 0 0 0 8.4 0M8 11.8v2.6M5.6 14.4h4.8"],
  camera: ["M1.8 4.6h8.4v6.8H1.8z", "M10.2 7.2l4-2.3v6.2l-4-2.3"],
};

/** An icon of `kind` ("microphone" or "camera"), slashed when `off`; hidden from assistive technology. */
export function callIcon(kind, off = false, size = 14) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", String(size));
  svg.setAttribute("height", String(size));
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("fill", "none");
  svg.setAttribute("stroke", "currentColor");
  svg.setAttribute("stroke-width", "1.5");
  svg.setAttribute("stroke-linecap", "round");
  svg.setAttribute("stroke-linejoin", "round");
  for (const d of [...PATHS[kind], ...(off ? ["M2 2l12 12"] : [])]) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

/** What a person's call state says in words: "In the call, microphone off, camera on". */
export function describeCall(call) {
  return `In the call, microphone ${call.audio ? "on" : "off"}, camera ${call.video ? "on" : "off"}`;
}
