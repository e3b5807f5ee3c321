// Downloads: the code as a file (anyone), the whole session as one offline HTML file (hosts).

const EXTENSIONS = { python: "py", javascript: "js", typescript: "ts", sql: "sql", lua: "lua" };

/** Saves `code` as solution.py / solution.js (or under the session's title). */
export function downloadCode(code, languageId, title = "") {
  const base = slug(title) || "solution";
  save(new Blob([code], { type: "text/plain;charset=utf-8" }), `${base}.${EXTENSIONS[languageId] ?? "txt"}`);
}

/** Fetches the offline export with the host key and saves it; throws with the server's message. */
export async function downloadSessionExport(sessionId, hostKey) {
  const response = await hostFetch(sessionId, hostKey, "export.html");
  const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? "interview.html";
  save(await response.blob(), name);
}

/** Fetches the session's history for playback (hosts). */
export async function fetchHistory(sessionId, hostKey) {
  return (await hostFetch(sessionId, hostKey, "history")).json();
}

/** GET /api/sessions/{id}/{what} with the host key; throws with the API's error message unless 2xx. */
async function hostFetch(sessionId, hostKey, what) {
  const response = await fetch(`/api/sessions/${encodeURIComponent(sessionId)}/${what}`, {
    headers: { Authorization: `Bearer ${hostKey}` },
    cache: "no-store",
  });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error(typeof body.error === "string" ? body.error : `the server answered ${response.status}`);
  }
  return response;
}

/** Saves a blob as a download named `name`. */
export function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function slug(text) {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60);
}
