// The LTI pages (interview_server/lti/launch.py, instructor.py): no cookies, so the login keeps a secret for this
// tab in sessionStorage and the launch sends it back (only the browser that began the login has it); the
// instructor's page reads its access token from its fragment.
const $ = (selector) => document.querySelector(selector);
const showStatus = (text) => { $("#lti-status").textContent = text; };
const storageKey = (stateId) => `interview-pad:lti-browser:${stateId}`;

const login = $("#lti-login");
if (login) {
  try {
    sessionStorage.setItem(storageKey(login.dataset.stateId), login.dataset.browser);
    location.replace(login.dataset.authUrl);
  } catch {
    showStatus("This browser does not let the pad keep anything for this tab, so it cannot open from your course. Open the link in a new tab.");
  }
}

const launch = $("#lti-launch");
if (launch) finishLaunch(launch);

async function finishLaunch(page) {
  let browser = null;
  try {
    browser = sessionStorage.getItem(storageKey(page.dataset.stateId));
    sessionStorage.removeItem(storageKey(page.dataset.stateId));
  } catch {
    browser = null;
  }
  const response = await fetch("/lti/finish", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ ticket: page.dataset.ticket, browser: browser ?? "" }),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok || !answer.url) {
    $("h1").textContent = "This launch could not be opened";
    showStatus(answer.error ?? `The pad answered ${response.status}.`);
    $("#lti-status").setAttribute("role", "alert");
    return;
  }
  location.replace(answer.url);
}

const instructor = $("#lti-instructor");
if (instructor) showLearners(instructor);

async function showLearners(page) {
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  if (token) {
    sessionStorage.setItem(`interview-pad:lti-link:${page.dataset.key}`, token);
    history.replaceState(history.state, "", location.pathname + location.search);
  }
  const access = token ?? sessionStorage.getItem(`interview-pad:lti-link:${page.dataset.key}`);
  const api = `/api/lti/links/${page.dataset.key}`;
  const headers = { Authorization: `Bearer ${access}` };
  const response = await fetch(api, { headers });
  const link = await response.json().catch(() => ({}));
  if (!response.ok) {
    showStatus(link.error ?? `The pad answered ${response.status}.`);
    return;
  }
  $("#lti-title").textContent = link.title || "Learners' sessions";
  $("#lti-context").textContent = link.context_title ?? "";
  showStatus(link.total ? `${link.total} learner${link.total === 1 ? "" : "s"} opened this link.` : "No learner has opened this link yet.");
  const mode = $("#lti-mode");
  mode.hidden = false;
  for (const radio of mode.querySelectorAll("input")) {
    radio.checked = radio.value === link.mode;
    radio.addEventListener("change", async () => {
      const changed = await fetch(`${api}/mode`, { method: "POST", headers: { ...headers, "Content-Type": "application/json" }, body: JSON.stringify({ mode: radio.value }) });
      showStatus(changed.ok ? "Saved: the next launches follow it." : "Not saved: try again.");
    });
  }
  if (link.shared_session) {
    $("#lti-shared").hidden = false;
    $("#lti-shared-link").href = link.shared_session;
  }
  const table = $("#lti-learners");
  table.hidden = !link.learners.length;
  const body = table.querySelector("tbody");
  for (const learner of link.learners) {
    const row = body.insertRow();
    row.insertCell().textContent = learner.name || "Learner";
    row.insertCell().textContent = learner.ended ? "Ended" : "Open";
    row.insertCell().textContent = learner.last_active_at ? new Date(learner.last_active_at).toLocaleString() : "—";
    row.insertCell().textContent = learner.score ? `${learner.score.passed} / ${learner.score.total}` : "—";
    const open = document.createElement("a");
    open.href = learner.host_url;
    open.target = "_blank";
    open.rel = "noopener";
    open.textContent = "Open as host";
    open.setAttribute("aria-label", `Open ${learner.name || "the learner"}'s session as host`);
    row.insertCell().append(open);
  }
}

const picker = $("#lti-deep-link");
if (picker) {
  // The picker's access (from the deep-linking launch) rides in its fragment; the form posts it back here.
  const fromLink = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromLink) {
    sessionStorage.setItem("interview-pad:lti-deep-link", fromLink);
    history.replaceState(history.state, "", location.pathname + location.search);
  }
  $("#lti-deep-link-token").value = fromLink ?? sessionStorage.getItem("interview-pad:lti-deep-link") ?? "";
}

// The signed answer goes back to the LMS at once (the button stays for a browser that stops the script).
$("#lti-deep-link-return")?.submit();
