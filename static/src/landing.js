// Entry of the landing and not-found pages: the "Create session" button.

const button = document.querySelector("#create-session");
const error = document.querySelector("#create-error");

button.addEventListener("click", async () => {
  button.disabled = true;
  error.textContent = "";
  try {
    const response = await fetch("/api/sessions", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ language: "python" }),
    });
    const body = await response.json().catch(() => ({}));
    if (response.status !== 201 || typeof body.session_id !== "string") {
      throw new Error(errorText(body) ?? `The server answered ${response.status} ${response.statusText}`.trim());
    }
    location.assign(`/session/${encodeURIComponent(body.session_id)}`);
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
