// Entry of the landing and not-found pages: the "Create session" button (with a problem and language, if
// the page offers a choice). The creator becomes the session's host: the page opens the host link.

const button = /** @type {HTMLButtonElement} */ (document.querySelector("#create-session"));
const error = document.querySelector("#create-error");
const problemChoice = /** @type {HTMLSelectElement | null} */ (document.querySelector("#problem-choice"));
const languageChoice = /** @type {HTMLSelectElement | null} */ (document.querySelector("#language-choice"));

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
    location.assign(new URL(body.host_url).pathname + new URL(body.host_url).hash);
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
