// "Open report": the session's report page (GET /api/sessions/{id}/report.html, host key), opened in a new tab
// from a blob URL (its links resolved against this server), or saved as a file when no tab may open.

/** Fetches the report with the host key and opens it; throws with the API's message unless 2xx. */
export async function openReport(sessionId, hostKey) {
  const response = await fetch(`/api/sessions/${encodeURIComponent(sessionId)}/report.html`, {
    headers: { Authorization: `Bearer ${hostKey}` },
    cache: "no-store",
  });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error(typeof body.error === "string" ? body.error : `the server answered ${response.status}`);
  }
  // A blob's URL is not hierarchical: the report's stylesheet (/static/…) is found through a <base>.
  const html = (await response.text()).replace(/<head([^>]*)>/i, `<head$1><base href="${location.origin}/">`);
  const url = URL.createObjectURL(new Blob([html], { type: "text/html;charset=utf-8" }));
  const tab = window.open(url, "_blank");
  if (!tab) {
    const link = document.createElement("a");
    link.href = url;
    link.download = "interview-report.html";
    document.body.append(link);
    link.click();
    link.remove();
  }
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
