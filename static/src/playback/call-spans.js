// Who was in the call when, in playback: the history's `calls` (each join, leave, mute and camera change, never the
// media) made into spans per person, drawn as lanes under the timeline, with who is in the call at the playhead.
import { formatElapsed, parseTime } from "./timeline.js";

/**
 * Participant id -> their spans in the call, oldest first: [{from, to, muted: [{from, to}], states}] (ms since the
 * epoch; `to` is Infinity for a span still open when the history ends; `states`: each change within the span, {at,
 * in_call, audio, video}). `calls`: history.calls, oldest first.
 */
export function callSpans(calls) {
  const spans = new Map();
  const open = new Map(); // id -> the span in progress
  for (const change of Array.isArray(calls) ? calls : []) {
    const at = parseTime(change?.at);
    const id = change?.participant;
    if (at === null || typeof id !== "string") continue;
    let span = open.get(id);
    if (change.in_call && !span) {
      span = { from: at, to: Infinity, muted: [], states: [], mutedSince: null };
      open.set(id, span);
      spans.set(id, [...(spans.get(id) ?? []), span]);
    }
    if (!span) continue; // left a call we never saw them join (before the recording)
    const state = { at, in_call: change.in_call === true, audio: change.audio === true, video: change.video === true };
    span.states.push(state);
    if (!state.in_call) {
      span.to = at;
      open.delete(id);
    }
    const muted = state.in_call && !state.audio;
    if (muted && span.mutedSince === null) span.mutedSince = at;
    if (!muted && span.mutedSince !== null) {
      span.muted.push({ from: span.mutedSince, to: at });
      span.mutedSince = null;
    }
  }
  for (const span of open.values()) {
    if (span.mutedSince !== null) span.muted.push({ from: span.mutedSince, to: Infinity });
  }
  return spans;
}

/** The state of a person's span at `ms` ({audio, video}), or null when they were not in the call then. */
function stateAt(span, ms) {
  if (ms < span.from || ms >= span.to) return null;
  let state = null;
  for (const change of span.states) {
    if (change.at > ms) break;
    state = change;
  }
  return state && state.in_call ? state : null;
}

/** The call's lanes under the playback timeline (nothing when nobody joined the call). */
export class CallLanes {
  /** `timeline`: playback/timeline.js's Timeline; `personAt(id, ms)`: {name, color} as the player shows people. */
  constructor({ timeline, calls, personAt }) {
    this.timeline = timeline;
    this.personAt = personAt;
    this.spans = callSpans(calls);
    this.end = Math.max(timeline.end, ...this.times(calls)); // where open spans end on the lanes
    this.element = null;
    this.shown = "";
    if (this.spans.size === 0) return;
    const section = document.createElement("section");
    section.className = "pb-call";
    section.setAttribute("aria-label", "Call");
    const heading = document.createElement("h3");
    heading.className = "pb-heading";
    heading.textContent = "Call";
    this.now = document.createElement("p");
    this.now.className = "pb-call-now";
    this.now.setAttribute("role", "status");
    this.now.setAttribute("aria-label", "In the call at this point");
    const lanes = document.createElement("ul");
    lanes.className = "pb-call-lanes";
    for (const [id, spans] of this.spans) lanes.append(this.lane(id, spans));
    section.append(heading, this.now, lanes);
    this.element = section;
  }

  /** One person's lane: their name, and a bar with a block per span (hatched while muted). */
  lane(id, spans) {
    const person = this.personAt(id, spans[0].from);
    const item = document.createElement("li");
    item.className = "pb-call-lane";
    item.style.setProperty("--pb-person", person.color);
    const name = document.createElement("span");
    name.className = "pb-call-name";
    name.textContent = person.name; // never HTML: names come from people
    const bar = document.createElement("span");
    bar.className = "pb-call-bar";
    const words = [];
    for (const span of spans) {
      bar.append(this.block("pb-call-span", span.from, span.to));
      for (const muted of span.muted) bar.append(this.block("pb-call-muted", muted.from, muted.to));
      words.push(`${this.elapsed(span.from)}–${this.elapsed(Math.min(span.to, this.end))}`);
    }
    bar.setAttribute("role", "img");
    bar.setAttribute("aria-label", `${person.name} in the call ${words.join(", ")}`);
    bar.title = `In the call ${words.join(", ")}`;
    item.append(name, bar);
    return item;
  }

  times(calls) {
    return (Array.isArray(calls) ? calls : []).map((change) => parseTime(change?.at) ?? -Infinity);
  }

  /** A block from `from` to `to` (ms), placed as the slider places those moments (it moves event by event). */
  block(className, from, to) {
    const length = Math.max(1, this.timeline.length);
    const start = this.timeline.positionAt(from) / length;
    const end = Math.max(start + 0.004, this.timeline.positionAt(Math.min(to, this.end)) / length);
    const block = document.createElement("span");
    block.className = className;
    block.style.setProperty("--pb-from", String(start));
    block.style.setProperty("--pb-to", String(Math.min(1, end)));
    return block;
  }

  elapsed(ms) {
    return formatElapsed(ms - this.timeline.origin);
  }

  /** Who is in the call at `ms` (the playhead's time), with who was muted or had the camera off. */
  show(ms) {
    if (!this.element) return;
    const inCall = [];
    for (const [id, spans] of this.spans) {
      const state = spans.map((span) => stateAt(span, ms)).find(Boolean);
      if (!state) continue;
      const off = [!state.audio && "muted", !state.video && "camera off"].filter(Boolean).join(", ");
      inCall.push(`${this.personAt(id, ms).name}${off ? ` (${off})` : ""}`);
    }
    const text = inCall.length ? `In the call: ${inCall.join(", ")}` : "Nobody in the call at this point";
    if (text !== this.shown) this.now.textContent = this.shown = text;
  }
}
