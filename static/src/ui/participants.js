// The people in the header: a count, and each person with their colour, name and a Follow button.
import { inkFor } from "../cursors.js";

/** Events: `follow` (detail: the participant id to follow, or null to stop). */
export class ParticipantList extends EventTarget {
  constructor(list, count) {
    super();
    this.list = list;
    this.count = count;
    this.people = null; // null until a participants list arrives; until then the socket count is shown
    this.meId = null;
    this.following = null;
    list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-participant]");
      if (!button) return;
      const id = button.dataset.participant;
      this.dispatchEvent(new CustomEvent("follow", { detail: id === this.following ? null : id }));
    });
  }

  /** Shows `count` participants ("1 participant", "3 participants") while no list is known. */
  setCount(count) {
    if (this.people === null) this.showCount(count);
  }

  /** Shows everyone connected ([{id, name, color}]); `meId` is marked "(you)". */
  render(people, meId) {
    this.people = people;
    this.meId = meId;
    this.showCount(people.length);
    this.list.replaceChildren(...people.map((person) => this.item(person)));
  }

  /** Marks `id` as followed (null: nobody). */
  setFollowing(id) {
    this.following = id;
    for (const button of this.list.querySelectorAll("button[data-participant]")) {
      const pressed = button.dataset.participant === id;
      button.setAttribute("aria-pressed", String(pressed));
      button.title = pressed ? "Following: click (or move your own cursor) to stop" : "Follow: keep their cursor in view";
    }
  }

  showCount(count) {
    if (typeof count !== "number" || count < 0) return;
    this.count.textContent = `${count} ${count === 1 ? "participant" : "participants"}`;
    this.count.hidden = false;
  }

  item(person) {
    const me = person.id === this.meId;
    const item = document.createElement("li");
    item.className = me ? "participant participant-me" : "participant";
    item.style.setProperty("--person-color", person.color);
    item.style.setProperty("--person-ink", inkFor(person.color));
    const host = person.role === "host" ? " · interviewer" : "";
    item.title = me ? `${person.name} (you)${host}` : `${person.name}${host}`;
    const dot = document.createElement("span");
    dot.className = "participant-dot";
    dot.setAttribute("aria-hidden", "true");
    dot.dataset.initial = [...person.name][0]?.toUpperCase() ?? ""; // shown instead of the name when narrow
    const name = document.createElement("span");
    name.className = "participant-name";
    name.textContent = person.name;
    item.append(dot, name);
    if (person.role === "host") {
      const badge = document.createElement("span");
      badge.className = "participant-host";
      badge.textContent = "host";
      item.append(" ", badge);
    }
    if (me) {
      const you = document.createElement("span");
      you.className = "participant-you";
      you.textContent = "(you)";
      item.append(" ", you); // the space keeps "Ada (you)" readable as text; flex layout ignores it
    } else {
      item.append(this.followButton(person));
    }
    return item;
  }

  followButton(person) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "participant-follow";
    button.dataset.participant = person.id;
    button.setAttribute("aria-label", `Follow ${person.name}`);
    const pressed = person.id === this.following;
    button.setAttribute("aria-pressed", String(pressed));
    button.title = pressed ? "Following: click (or move your own cursor) to stop" : "Follow: keep their cursor in view";
    button.append(eyeIcon());
    return button;
  }
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
