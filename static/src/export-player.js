// Entry of the offline export: one HTML file opened from file:// with the session's history inlined in
// <script type="application/json" id="session-data"> and this script (an IIFE bundle) after it.
import "./css/playback.css";
import { Player } from "./playback/player.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The page's header: title, date, who took part, the problem's title. */
function header(history) {
  const head = el("header", "pb-export-header");
  head.append(el("h1", "", history.title || "Interview playback"));
  const meta = el("p", "pb-export-meta");
  const created = Date.parse(history.created_at);
  if (!Number.isNaN(created)) {
    const time = el("time", "", new Date(created).toLocaleString(undefined, { dateStyle: "long", timeStyle: "short" }));
    time.dateTime = new Date(created).toISOString();
    meta.append(time);
  }
  // One entry per connection is kept (a reload is a new one): each person once, with every name they had.
  const people = [...new Set(Object.values(history.participants ?? {}).map((person) => {
    const names = [...new Set((Array.isArray(person.names) ? person.names : []).map((entry) => entry?.name)
      .filter((name) => typeof name === "string"))];
    const name = (names.length ? names : [person.name]).filter(Boolean).join(" → ");
    return name && person.role ? `${name} (${person.role})` : name;
  }).filter(Boolean))];
  if (people.length) meta.append(el("span", "", people.join(", ")));
  if (history.problem?.title) meta.append(el("span", "", `Problem: ${history.problem.title}`));
  const language = { python: "Python", javascript: "JavaScript", typescript: "TypeScript", sql: "SQL", lua: "Lua" }[history.language];
  if (language) meta.append(el("span", "", language));
  head.append(meta, el("span", "pb-export-badge", "Recording"));
  return head;
}

function mount() {
  const history = JSON.parse(document.getElementById("session-data").textContent);
  const root = document.getElementById("player");
  document.documentElement.classList.add("pb-export");
  root.before(header(history));
  /** @type {any} */ (window).playback = new Player({ root, history }); // for a look from the console
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
else mount();
