// The WebSocket wire protocol (docs/PROTOCOL.md): the only place message names live.
// Mirrors interview_server/protocol.py; no imports and no DOM, so Node can import it in tests.

/** Client -> server message types. */
export const CLIENT_MESSAGE_TYPES = [
  "push", // {version, updates: [{clientID, changes}]}: local updates made on top of version
  "pull", // {version}: send me every update after version
  "code_update", // {code, timestamp?}: replace the whole text
];

/** Server -> client message types. */
export const SERVER_MESSAGE_TYPES = [
  "session_state", // {code, language, active_users, version}: on connect, and as a full resync
  "user_joined", // {user_count}: someone else connected
  "user_left", // {user_count}: someone disconnected
  "updates", // {version, updates}: accepted updates on top of version, sent to everyone
  "push_rejected", // {version}: your push was stale; apply incoming updates, rebase, push again
  "error", // {message}: what was wrong with your last message; nothing was applied
];

/** Serialise one message as a JSON text frame. */
export function encode(type, data) {
  return JSON.stringify({ type, data });
}

/** Parse a text frame into {type, data}; returns null for anything that is not a known server message. */
export function decode(text) {
  let message;
  try {
    message = JSON.parse(text);
  } catch {
    return null;
  }
  if (!message || typeof message !== "object" || !SERVER_MESSAGE_TYPES.includes(message.type)) return null;
  const data = message.data && typeof message.data === "object" ? message.data : {};
  return { type: message.type, data };
}

/** A `push` of local updates ({clientID, changes: ChangeSet JSON}) made on top of `version`. */
export function push(version, updates) {
  return encode("push", { version, updates });
}

/** A `pull` asking for every update after `version`. */
export function pull(version) {
  return encode("pull", { version });
}
