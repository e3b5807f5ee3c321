// The admin API's client: the token, kept in this tab's sessionStorage, sent as a Bearer header (no cookie).

const TOKEN_KEY = "interview-admin-token";

export class Unauthorized extends Error {}

export class AdminClient {
  constructor() {
    this.token = sessionStorage.getItem(TOKEN_KEY) ?? "";
  }

  /** Keeps the token for this tab (sessionStorage: gone when the tab closes). */
  remember(token) {
    this.token = token;
    sessionStorage.setItem(TOKEN_KEY, token);
  }

  forget() {
    this.token = "";
    sessionStorage.removeItem(TOKEN_KEY);
  }

  /** GET or another method on /api/admin/{path}; throws Unauthorized on 401/403, Error with the API's message otherwise. */
  async request(path, method = "GET") {
    const response = await fetch(`/api/admin/${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.token}` },
      cache: "no-store",
    });
    if (response.ok) return response;
    const body = await response.json().catch(() => ({}));
    const message = typeof body.error === "string" ? body.error : `the server answered ${response.status}`;
    throw response.status === 401 || response.status === 403 ? new Unauthorized(message) : new Error(message);
  }

  async overview() {
    return (await this.request("overview")).json();
  }

  async endSession(sessionId) {
    await this.request(`sessions/${encodeURIComponent(sessionId)}/end`, "POST");
  }

  async deleteSession(sessionId) {
    await this.request(`sessions/${encodeURIComponent(sessionId)}`, "DELETE");
  }

  /** The session's offline export as a Blob, and its file name. */
  async exportSession(sessionId) {
    const response = await this.request(`sessions/${encodeURIComponent(sessionId)}/export.html`);
    const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? "interview.html";
    return { blob: await response.blob(), name };
  }
}
