// The hosts' Signals (loaded for hosts only, like grading/host.js; a popover from the interviewer's toolbar): per
// person, what their page reported (pastes, time away, typing bursts) and their runs, summed up in words. Evidence
// to talk about, not a verdict.
import { summarise, summaryLines } from "./summary-text.js";

function el(tag, className = "", text = undefined) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class IntegritySummary {
  /** `held`: the messages that came before this module loaded (frame-inbox.js). */
  /** `root`: the popover it fills; `button`: the toolbar's button that opens it (it shows a dot for news). */
  constructor({ connection, presence, root, button, held = [] }) {
    this.presence = presence;
    this.button = button;
    this.events = new Map(); // id -> integrity event
    this.runs = new Map(); // id -> {participant, name, status, started_at}
    this.root = root;
    const header = el("div", "signals-header");
    const text = el("div");
    text.append(el("h2", "signals-heading", "Signals"),
      el("p", "signals-hint", "What each person's page reported: pastes, time away from the tab, typing bursts, and their runs. Evidence to talk about, not a verdict."));
    const close = el("button", "button button-quiet button-small", "Close");
    close.type = "button";
    close.addEventListener("click", () => root.hidePopover());
    header.append(text, close);
    this.list = el("ul", "signals-people");
    this.list.setAttribute("aria-label", "Summary per person");
    root.replaceChildren(header, this.list);
    root.addEventListener("toggle", () => button.classList.remove("has-news"));
    for (const message of held) this.receive(message, false);
    connection.addEventListener("message", (/** @type {CustomEvent} */ { detail }) => this.receive(detail));
    presence.addEventListener("participants", () => this.render());
    this.render();
  }

  receive({ type, data }, render = true) {
    if (type === "integrity_events") {
      this.events.clear();
      for (const event of data.events ?? []) this.events.set(event.id, event);
    } else if (type === "integrity" && data.event) {
      this.events.set(data.event.id, data.event);
      if (render && !this.root.matches(":popover-open")) this.button.classList.add("has-news");
    } else if (type === "history") {
      for (const run of data.runs ?? []) this.runs.set(run.id, run);
    } else if (type === "run_started" && data.run) {
      this.runs.set(data.run.id, data.run);
    } else if (type === "run_finished" && this.runs.has(data.run_id)) {
      this.runs.set(data.run_id, { ...this.runs.get(data.run_id), status: data.status });
    } else {
      return;
    }
    if (render) this.render();
  }

  render() {
    const people = [...summarise([...this.events.values()], [...this.runs.values()]).values()]
      .filter((summary) => this.presence.participant(summary.participant)?.role !== "host");
    const items = people.map((summary) => {
      const item = el("li", "signals-person");
      const name = this.presence.participant(summary.participant)?.name ?? summary.name;
      item.append(el("h3", "signals-name", name));
      const lines = el("ul", "signals-lines");
      for (const line of summaryLines(summary)) lines.append(el("li", "", line));
      item.append(lines);
      return item;
    });
    if (!items.length) items.push(el("li", "signals-empty", "Nothing reported yet."));
    this.list.replaceChildren(...items);
  }
}
