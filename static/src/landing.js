// Entry of the landing and not-found pages: the "Create session" button (with a problem and language, if
// the page offers a choice). The creator becomes the session's host: the page opens the host link, and the
// session joins this browser's "My interviews" (listed here when the page has the section).
import { LANGUAGES } from "./languages/index.js";
import { rememberInterview } from "./my-interviews.js";
import { MyInterviewsList } from "./ui/my-interviews-list.js";

const button = /** @type {HTMLButtonElement} */ (document.querySelector("#create-session"));
const error = document.querySelector("#create-error");
const problemChoice = /** @type {HTMLSelectElement | null} */ (document.querySelector("#problem-choice"));
const languageChoice = /** @type {HTMLSelectElement | null} */ (document.querySelector("#language-choice"));
// Every language the pad offers (the template lists the first ones for a page whose script has not run yet).
languageChoice?.replaceChildren(...LANGUAGES.map((language) => new Option(language.label, language.id)));

// The question bank's picker (search, filters, preview), loaded on first use; its choice goes into the select.
if (problemChoice) {
  const browse = document.createElement("button");
  browse.type = "button";
  browse.className = "button landing-browse";
  browse.textContent = "Browse problems…";
  const field = problemChoice.closest("label");
  const row = document.createElement("div");
  row.className = "landing-problem";
  field?.replaceWith(row);
  row.append(...(field ? [field] : []), browse);
  browse.addEventListener("click", async () => {
    try {
      const [{ pickProblem }, response] = await Promise.all([import("./ui/problem-picker.js"), fetch("/api/problems")]);
      const { problems } = await response.json();
      const id = await pickProblem({ problems, title: "Choose a problem", confirm: "Choose problem", selected: problemChoice.value,
        hint: "The session starts with its prompt beside the editor and its starter code." });
      if (id !== null) problemChoice.value = id;
    } catch (failure) {
      error.textContent = `Could not load the problems: ${failure.message}`;
    }
  });
}

button.addEventListener("click", async () => {
  button.disabled = true;
  error.textContent = "";
  try {
    const response = await fetch("/api/sessions", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        language: languageChoice?.value || "python",
        ...(problemChoice?.value ? { problem: problemChoice.value } : {}),
      }),
    });
    const body = await response.json().catch(() => ({}));
    if (response.status !== 201 || typeof body.host_url !== "string") {
      throw new Error(errorText(body) ?? `The server answered ${response.status} ${response.statusText}`.trim());
    }
    const hostUrl = new URL(body.host_url);
    rememberInterview({ id: body.session_id, hostKey: new URLSearchParams(hostUrl.hash.slice(1)).get("host") ?? "" });
    location.assign(hostUrl.pathname + hostUrl.hash);
  } catch (failure) {
    error.textContent = `Could not create a session: ${failure.message}`;
    button.disabled = false;
  }
});

/** The message of the API's JSON error shape, whatever its nesting. */
function errorText(body) {
  const value = body?.error?.message ?? body?.error ?? body?.message;
  return typeof value === "string" ? value : null;
}

const myInterviews = document.querySelector("#my-interviews");
if (myInterviews) {
  const list = new MyInterviewsList({
    section: myInterviews,
    list: /** @type {HTMLElement} */ (myInterviews.querySelector(".my-interviews-list")),
    status: /** @type {HTMLElement} */ (myInterviews.querySelector(".my-interviews-status")),
  });
  list.render();
  // Back from a session (bfcache) or another tab changed the list: show it as it is now.
  addEventListener("pageshow", (event) => event.persisted && list.render());
  addEventListener("storage", () => list.render());
}
