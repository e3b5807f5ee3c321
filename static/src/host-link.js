// The host link is the join link plus the host key in its fragment: /session/{id}#host=KEY. Browsers never
// send a fragment to any server (no logs, no Referer); the page hands the key over in `hello`.

/** The host key in this page's address, or null (a candidate's link). */
export function hostKeyFrom(loc = location) {
  return new URLSearchParams(loc.hash.slice(1)).get("host") || null;
}

/** The candidate's link to this session: the address without the fragment (an embed becomes the full page). */
export function joinUrlFrom(loc = location) {
  return `${loc.origin}${loc.pathname.replace(/^\/embed\//, "/session/")}`;
}
