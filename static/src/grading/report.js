// "Open report": the session's report page (GET /api/sessions/{id}/report.html, host key), opened in a new tab
// from a blob URL (its links made absolute), or saved as a file when no tab may open.

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
  // A blob's URL is not hierarchical and the policy forbids <base>: the report's own links (/static/…) are made
  // absolute, so its stylesheet loads.
  const html = (await response.text()).replace(/\b(href|src)="\//g, `$1="${location.origin}/`);
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
