// The session's socket, opened while the page's own code is still loading (start-runtime.js), so the
// session's text is on its way before the editor exists; connection.js adopts it.
const EVENTS = ["open", "message", "close", "error"];
let early = null; // {url, socket, events, keep}
let claimed = false; // connection.js has connected: too late to open one here

/** The address of session `sessionId`'s socket. */
export function socketUrl(sessionId) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/ws/${encodeURIComponent(sessionId)}`;
}

/** Opens the socket at `url` now, keeping its events until connection.js takes it. */
export function openSocket(url) {
  if (early || claimed) return;
  const socket = new WebSocket(url);
  const events = [];
  const keep = (event) => events.push(event);
  for (const type of EVENTS) socket.addEventListener(type, keep);
  early = { url, socket, events, keep };
}

/** The socket opened early for `url` and its events so far (to replay), or null; taken once. */
export function takeSocket(url) {
  claimed = true;
  if (early?.url !== url) return null;
  const { socket, events, keep } = early;
  early = null;
  for (const type of EVENTS) socket.removeEventListener(type, keep);
  return { socket, events };
}
