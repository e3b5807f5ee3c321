// The people in the header: my own chip (which renames me), a chip per other person (colour, name up to ~14
// characters, a Follow button) as many as fit, and a button with the count that opens everyone's list (full
// names, role, colour, Follow).
import { inkFor } from "../cursors.js";
import { callIcon, describeCall } from "./call-icons.js";

/** Events: `follow` (detail: the participant id to follow, or null to stop), `rename` (my chip was pressed). */
export class ParticipantList extends EventTarget {
  /** `list`: the chips; `count`: the button opening `popover`, whose `all` lists everyone. */
  constructor(list, count, { popover = null, all = null } = {}) {
    super();
    this.list = list;
    this.count = count;
    this.popover = popover;
    this.all = all;
    this.people = null; // null until a participants list arrives; until then the socket count is shown
    this.meId = null;
    this.following = null;
    const onClick = (event) => {
      if (event.target.closest("button.participant-self")) {
        this.dispatchEvent(new Event("rename"));
        return;
      }
      const button = event.target.closest("button[data-participant]");
      if (!button) return;
      const id = button.dataset.participant;
      this.dispatchEvent(new CustomEvent("follow", { detail: id === this.following ? null : id }));
    };
    list.addEventListener("click", onClick);
    // Opens under the count, right-aligned with it (inside the window).
    popover?.addEventListener("beforetoggle", (/** @type {ToggleEvent} */ event) => {
      if (event.newState !== "open") return;
      const rect = count.getBoundingClientRect();
      popover.style.top = `${rect.bottom + 6}px`;
      popover.style.left = `${Math.max(8, Math.min(rect.left, innerWidth - 8 - Math.min(360, innerWidth - 16)))}px`;
    });
    all?.addEventListener("click", onClick);
    // Chips that do not fit wrap out of sight (the count's list has everyone): measured again whenever the list
    // or its bar changes size, or something in the bar changes (the title shown, the connection's words).
    this.fitQueued = false;
    const observer = new ResizeObserver(() => this.fitSoon());
    observer.observe(list);
    const bar = list.closest("header");
    if (bar) {
      observer.observe(bar);
      new MutationObserver(() => this.fitSoon()).observe(bar,
        { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["hidden"] });
    }
  }

  /** Shows `count` participants ("1 participant", "3 participants") while no list is known. */
  setCount(count) {
    if (this.people === null) this.showCount(count);
  }

  /** Shows everyone connected ([{id, name, color, role, call}]); `meId`'s chip comes first and renames. */
  render(people, meId) {
    this.people = people;
    this.meId = meId;
    this.showCount(people.length);
    const mine = people.filter((person) => person.id === meId);
    const others = people.filter((person) => person.id !== meId);
    this.list.replaceChildren(...[...mine, ...others].map((person) => this.chip(person)));
    this.all?.replaceChildren(...people.map((person) => this.row(person)));
    this.fit();
  }

  /** Marks `id` as followed (null: nobody). */
  setFollowing(id) {
    this.following = id;
    for (const button of [...this.list.querySelectorAll("button[data-participant]"),
      ...(this.all?.querySelectorAll("button[data-participant]") ?? [])]) {
      paintFollow(button, button.dataset.participant === id);
    }
  }

  showCount(count) {
    if (typeof count !== "number" || count < 0) return;
    const number = document.createElement("span");
    number.textContent = String(count);
    const word = document.createElement("span");
    word.className = "participant-count-word"; // visually hidden when narrow: the number stays
    word.textContent = ` ${count === 1 ? "participant" : "participants"}`;
    this.count.replaceChildren(number, word);
    this.count.hidden = false;
  }

  /**
   * Marks the chips that wrapped onto the list's hidden second line (it shows one line): out of sight, they
   * leave the keyboard order and the accessibility tree too, and the count says there is more.
   */
  fitSoon() {
    if (this.fitQueued) return;
    this.fitQueued = true;
    requestAnimationFrame(() => {
      this.fitQueued = false;
      this.fit();
    });
  }

  fit() {
    const chips = /** @type {HTMLElement[]} */ ([...this.list.children]);
    this.list.style.maxWidth = ""; // measured with all the room the bar gives it
    const { top, left } = this.list.getBoundingClientRect();
    let right = left;
    for (const chip of chips) {
      const rect = chip.getBoundingClientRect();
      const clipped = rect.top > top + 4;
      chip.classList.toggle("is-clipped", clipped);
      if (!clipped) right = Math.max(right, rect.right);
    }
    const clipped = chips.some((chip) => chip.classList.contains("is-clipped"));
    // The room left after the last whole chip goes back to the bar (no gap before the count).
    if (clipped) this.list.style.maxWidth = `${Math.ceil(right - left)}px`;
    this.list.parentElement?.classList.toggle("has-hidden", clipped);
  }

  chip(person) {
    const me = person.id === this.meId;
    const item = document.createElement("li");
    item.className = me ? "participant participant-me" : "participant";
    paintPerson(item, person);
    const host = person.role === "host" ? " · interviewer" : "";
    /** @type {(Node | string)[]} */
    const parts = [dot(person), nameOf(person)];
    if (person.role === "host") parts.push(" ", hostBadge());
    if (me) {
      const you = document.createElement("span");
      you.className = "participant-you";
      you.textContent = "(you)";
      const button = document.createElement("button");
      button.type = "button";
      button.className = "participant-self";
      // The name starts with the words shown (name, "host", "(you)"), then says what the button does.
      button.setAttribute("aria-label", `${person.name}${person.role === "host" ? " host" : ""} (you): change your name`);
      button.title = `${person.name} (you)${host}: change your name`;
      button.append(...parts, " ", you, ...(person.call ? [callBadge(person.call)] : [])); // the spaces keep "Ada (you)" readable as text; flex layout ignores them
      item.append(button);
    } else {
      item.title = `${person.name}${host}`;
      item.append(...parts, ...(person.call ? [callBadge(person.call)] : []), followButton(person, person.id === this.following, false));
    }
    return item;
  }

  /** A line of the full list: colour, whole name, role, and Follow for the others. */
  row(person) {
    const me = person.id === this.meId;
    const item = document.createElement("li");
    item.className = "people-row";
    paintPerson(item, person);
    const who = document.createElement("span");
    who.className = "people-who";
    const role = document.createElement("span");
    role.className = "people-role";
    role.textContent = `${person.role === "host" ? "Interviewer" : "Candidate"}${me ? " · you" : ""}`;
    who.append(nameOf(person), role);
    item.append(dot(person), who);
    if (person.call) item.append(callBadge(person.call));
    if (!me) item.append(followButton(person, person.id === this.following, true));
    return item;
  }
}

function paintPerson(element, person) {
  element.style.setProperty("--person-color", person.color);
  element.style.setProperty("--person-ink", inkFor(person.color));
}

function dot(person) {
  const element = document.createElement("span");
  element.className = "participant-dot";
  element.setAttribute("aria-hidden", "true");
  element.dataset.initial = [...person.name][0]?.toUpperCase() ?? ""; // shown instead of the name when narrow
  return element;
}

function nameOf(person) {
  const name = document.createElement("span");
  name.className = "participant-name";
  name.textContent = person.name; // never HTML: names come from other people
  return name;
}

/** In the call: a microphone (slashed when muted), named in words for screen readers and on hover. */
function callBadge(call) {
  const badge = document.createElement("span");
  badge.className = call.audio ? "participant-call" : "participant-call is-muted";
  badge.setAttribute("role", "img");
  badge.setAttribute("aria-label", describeCall(call));
  badge.title = describeCall(call);
  badge.append(callIcon("microphone", !call.audio, 12));
  return badge;
}

function hostBadge() {
  const badge = document.createElement("span");
  badge.className = "participant-host";
  badge.textContent = "host";
  return badge;
}

function followButton(person, pressed, worded) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = worded ? "button people-follow" : "participant-follow";
  button.dataset.participant = person.id;
  button.setAttribute("aria-label", `Follow ${person.name}`);
  if (worded) button.append(eyeIcon(), document.createElement("span"));
  else button.append(eyeIcon());
  paintFollow(button, pressed);
  return button;
}

function paintFollow(button, pressed) {
  button.setAttribute("aria-pressed", String(pressed));
  button.title = pressed ? "Following: click (or move your own cursor) to stop" : "Follow: keep their cursor in view";
  const words = button.querySelector("span");
  if (words) words.textContent = pressed ? "Following" : "Follow";
}

const SVG = "http://www.w3.org/2000/svg";

/** A small eye, drawn with DOM calls (no markup strings). */
function eyeIcon() {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "14");
  svg.setAttribute("height", "14");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const outline = document.createElementNS(SVG, "path");
  outline.setAttribute("d", "M1.5 8s2.4-4.5 6.5-4.5S14.5 8 14.5 8 12.1 12.5 8 12.5 1.5 8 1.5 8z");
  outline.setAttribute("fill", "none");
  outline.setAttribute("stroke", "currentColor");
  outline.setAttribute("stroke-width", "1.4");
  outline.setAttribute("stroke-linejoin", "round");
  const pupil = document.createElementNS(SVG, "circle");
  pupil.setAttribute("cx", "8");
  pupil.setAttribute("cy", "8");
  pupil.setAttribute("r", "2.2");
  pupil.setAttribute("fill", "currentColor");
  svg.append(outline, pupil);
  return svg;
}
