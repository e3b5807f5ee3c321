// The host link is the join link plus the host key in its fragment: /session/{id}#host=KEY. Browsers never
// send a fragment to any server (no logs, no Referer); the page hands the key over in `hello`. On arrival
// the key moves to this tab's sessionStorage and leaves the address bar, so a shared screen does not show
// it; a reload in the same tab stays host, a new tab with the join link is a candidate.

const storageKey = (sessionId) => `interview-pad:host-key:${sessionId}`;

/** The host key of this tab for `sessionId` (from the link, else remembered by this tab), or null. */
export function takeHostKey(sessionId, loc = location) {
  const fromLink = new URLSearchParams(loc.hash.slice(1)).get("host");
  if (fromLink) {
    try {
      sessionStorage.setItem(storageKey(sessionId), fromLink);
    } catch {
      // Storage refused (a sandboxed frame): the key still works until the page is left.
    }
    history.replaceState(history.state, "", loc.pathname + loc.search);
    return fromLink;
  }
  try {
    return sessionStorage.getItem(storageKey(sessionId));
  } catch {
    return null;
  }
}

/** The server refused the key: this tab stops offering it. */
export function forgetHostKey(sessionId) {
  try {
    sessionStorage.removeItem(storageKey(sessionId));
  } catch {
    // nothing kept
  }
}

/** The candidate's link to this session: the address without the fragment (an embed becomes the full page). */
export function joinUrlFrom(loc = location) {
  return `${loc.origin}${loc.pathname.replace(/^\/embed\//, "/session/")}`;
}

/** The host link: the join link with the key in its fragment. */
export function hostUrlFrom(hostKey, loc = location) {
  return `${joinUrlFrom(loc)}#host=${hostKey}`;
}
