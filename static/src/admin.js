// Entry of the admin dashboard (/admin): sign in with the admin token, then poll the overview every 5 s.

import { AdminClient, Unauthorized } from "./admin/client.js";
import { ago, figure } from "./admin/format.js";
import { MetricHistory } from "./admin/metric-history.js";
import { renderSessions } from "./admin/sessions-table.js";
import { save } from "./downloads.js";
import { ask } from "./ui/host-dialogs.js";

const POLL_MS = 5000;
const client = new AdminClient();
const login = /** @type {HTMLFormElement} */ (document.querySelector("#admin-login"));
const tokenInput = /** @type {HTMLInputElement} */ (document.querySelector("#admin-token"));
const loginError = document.querySelector("#admin-login-error");
const dashboard = /** @type {HTMLElement} */ (document.querySelector("#admin-dashboard"));
const signOut = /** @type {HTMLButtonElement} */ (document.querySelector("#admin-sign-out"));
const status = document.querySelector("#admin-status");
const sessionsBody = document.querySelector("#sessions-table tbody");
const sessionsEmpty = /** @type {HTMLElement} */ (document.querySelector("#sessions-empty"));
const instancesBody = document.querySelector("#instances-table tbody");
const history = new MetricHistory(document.querySelector("#admin-charts"));
let timer = 0;

const actions = {
  async end(session) {
    await act(() => client.endSession(session.session_id), `Ended “${session.title || "Untitled session"}”.`);
  },
  async exportIt(session) {
    await act(async () => {
      const { blob, name } = await client.exportSession(session.session_id);
      save(blob, name);
    }, `Downloaded the export of “${session.title || "Untitled session"}”.`);
  },
  async remove(session) {
    const confirmed = await ask({
      title: "Delete this session?",
      hint: `“${session.title || "Untitled session"}” and its whole history (edits, runs, chat, notes) are deleted for good; everyone in it is disconnected.`,
      confirm: "Delete session",
      danger: true,
    });
    if (confirmed) await act(() => client.deleteSession(session.session_id), `Deleted “${session.title || "Untitled session"}”.`);
  },
};

async function act(action, done) {
  try {
    await action();
    status.textContent = done;
  } catch (failure) {
    if (failure instanceof Unauthorized) return showLogin(failure.message);
    status.textContent = `That did not work: ${failure.message}`;
  }
  await refresh();
}

async function refresh() {
  clearTimeout(timer);
  try {
    const overview = await client.overview();
    render(overview);
  } catch (failure) {
    if (failure instanceof Unauthorized) return showLogin("That is not this server's admin token.");
    status.textContent = `Could not reach the server: ${failure.message}. Trying again…`;
  }
  timer = window.setTimeout(refresh, POLL_MS);
}

function render(overview) {
  for (const [key, value] of Object.entries(overview.totals)) {
    const element = document.querySelector(`#total-${key}`);
    if (element) element.textContent = String(value);
  }
  history.add(overview.metrics, Date.now(), overview.instance);
  document.querySelector("#charts-instance").textContent = `(${overview.instance})`;
  renderSessions(sessionsBody, overview.sessions, actions);
  sessionsEmpty.hidden = overview.sessions.length > 0;
  instancesBody.replaceChildren(...overview.instances.map(instanceRow));
}

function instanceRow(instance) {
  const row = document.createElement("tr");
  const lag = instance.loop_lag_ms?.p99;
  // The store first: while it is down the instance refuses edits (the pages keep them); then the event loop.
  const health = instance.store_up === false ? "store down" : instance.overloaded ? "overloaded" : "ok";
  const cells = [
    instance.instance,
    instance.store,
    health,
    String(instance.connections),
    String(instance.live_sessions),
    lag === null || lag === undefined ? "–" : `${figure(lag)} ms`,
    ago(instance.seen_at),
  ];
  cells.forEach((text, index) => {
    const cell = document.createElement(index === 0 ? "th" : "td");
    if (index === 0) cell.setAttribute("scope", "row");
    cell.textContent = text;
    if (index === 2) cell.className = health === "ok" ? "admin-health" : "admin-health admin-health-bad";
    row.append(cell);
  });
  return row;
}

function showLogin(message = "") {
  clearTimeout(timer);
  client.forget();
  dashboard.hidden = true;
  signOut.hidden = true;
  login.hidden = false;
  loginError.textContent = message;
  tokenInput.focus();
}

async function showDashboard() {
  login.hidden = true;
  dashboard.hidden = false;
  signOut.hidden = false;
  await refresh();
}

login.addEventListener("submit", async (event) => {
  event.preventDefault();
  const token = tokenInput.value.trim();
  if (!token) {
    loginError.textContent = "Enter the admin token.";
    return;
  }
  client.remember(token);
  try {
    await client.overview();
  } catch (failure) {
    return showLogin(failure instanceof Unauthorized ? "That is not this server's admin token." : `Could not reach the server: ${failure.message}`);
  }
  tokenInput.value = "";
  loginError.textContent = "";
  await showDashboard();
});

signOut.addEventListener("click", () => showLogin());

if (client.token) showDashboard();
else showLogin();
