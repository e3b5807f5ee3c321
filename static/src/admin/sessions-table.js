// The live sessions table: one row each, with End, Export and Delete buttons named after the session.

import { ago, characters, when } from "./format.js";

/** Fill `tbody` with `sessions` (the overview's); `actions` has end(session), exportIt(session), remove(session). */
export function renderSessions(tbody, sessions, actions, now = Date.now()) {
  const rows = sessions.map((session) => {
    const row = document.createElement("tr");
    const name = session.title || "Untitled session";
    const title = cell(row, name, "th");
    title.setAttribute("scope", "row");
    const id = document.createElement("span");
    id.className = "admin-muted admin-id";
    id.textContent = session.session_id.slice(0, 8);
    title.append(" ", id);
    if (session.ended) {
      const badge = document.createElement("span");
      badge.className = "admin-badge";
      badge.textContent = "ended";
      title.append(" ", badge);
    }
    cell(row, when(session.created_at), "td", "Created");
    cell(row, `${session.participants} (${session.connections} connected)`, "td", "Participants");
    cell(row, ago(session.last_activity, now), "td", "Last activity");
    cell(row, characters(session.length), "td", "Size");
    cell(row, session.instances.join(", "), "td", "Instance");
    const buttons = document.createElement("div");
    buttons.className = "admin-actions";
    cell(row, "").append(buttons);
    const label = `${name} (${session.session_id.slice(0, 8)})`;
    buttons.append(
      button("End", `End ${label}`, () => actions.end(session), session.ended),
      button("Export", `Export ${label}`, () => actions.exportIt(session)),
      button("Delete…", `Delete ${label}`, () => actions.remove(session), false, "button-danger"),
    );
    return row;
  });
  tbody.replaceChildren(...rows);
}

/** A cell; `label` names it where a narrow screen shows rows as cards (CSS: td[data-label]::before). */
function cell(row, text, tag = "td", label = "") {
  const element = document.createElement(tag);
  element.textContent = text;
  if (label) element.dataset.label = label;
  row.append(element);
  return element;
}

function button(text, label, onClick, disabled = false, kind = "") {
  const element = document.createElement("button");
  element.type = "button";
  element.className = `button button-small ${kind}`.trim();
  element.textContent = text;
  element.setAttribute("aria-label", label);
  element.disabled = disabled;
  element.addEventListener("click", onClick);
  return element;
}
