// The WebSocket wire protocol (docs/PROTOCOL.md): the only place message names live.
// Mirrors interview_server/protocol.py; no imports and no DOM, so Node can import it in tests.

/** Client -> server message types. */
export const CLIENT_MESSAGE_TYPES = [
  "push", // {version, updates: [{clientID, changes}], rebase?}: local updates made on top of version
  "pull", // {version}: send me every update after version
  "code_update", // {code, timestamp?}: replace the whole text
  "hello", // {name?, host_key?}: I am a participant (not a plain script); with the host link's key, a host
  "set_name", // {name}: my display name (1-40 characters)
  "cursor", // {version, ranges: [{anchor, head}]}: my selection in the document at version
  "set_language", // {language}: switch the session's language for everyone
  "run_start", // {version, language}: I started running the code at version
  "run_output", // {stream, text}: output of my current run ("stdout" or "stderr")
  "run_end", // {status, duration_ms}: my current run ended ("ok", "error", "stopped", "timeout")
  "chat", // {text}: a chat message (1-2000 characters, plain text)
  // Hosts only (hello with the host key); anyone else gets an `error` with code "host_only":
  "lock", // {locked}: true stops candidates from editing; false lets them again
  "end_session", // {}: end the interview: read-only from now on (still viewable)
  "rename", // {title}: the session's title (0-100 characters)
  "set_problem", // {problem}: show this problem beside the editor and load its starter code
  "set_notes", // {text, version}: the hosts' private notes, written on top of notes version `version`
];

/** Server -> client message types. */
export const SERVER_MESSAGE_TYPES = [
  "session_state", // {code, language, active_users, version}: on connect, and as a full resync
  "user_joined", // {user_count}: someone else connected
  "user_left", // {user_count}: someone disconnected
  "updates", // {version, updates}: accepted updates on top of version, sent to everyone
  "push_rejected", // {version}: your push was stale; apply incoming updates, rebase, push again
  "error", // {message, code?}: what was wrong with your last message; nothing was applied
  "welcome", // {participant: {id, name, color, role}, language, role}: the answer to hello; role "host" or "candidate"
  "participants", // {participants: [{id, name, color, role}]}: everyone connected, whenever that changes
  "cursor", // {participant, name, color, version, ranges}: someone's selection at server version
  "language", // {language, participant}: the session's language changed
  "history", // {runs, chat}: recent runs (with output) and chat messages, after welcome
  "run_started", // {run: {id, participant, name, color, language, version, started_at}}
  "run_output", // {run_id, stream, text}: output of a run, in order
  "run_finished", // {run_id, status, duration_ms, truncated}: how a run ended
  "chat", // {message: {id, participant, name, color, text, sent_at}}
  "session_info", // {title, locked, ended, problem}: after welcome, and whenever a host changes one of them
  "notes", // {text, version, participant}: hosts only: the private notes, after welcome and on each save
];

/** The server's limits a page keeps to (interview_server/protocol.py; tests/test_protocol_agreement.py checks). */
export const MAX_UPDATES_PER_PUSH = 1000; // updates in one push; more typed offline go in the next pushes
export const MAX_PARTS_PER_PUSH = 10000; // ChangeSet parts over a push's updates
export const MAX_CURSOR_RANGES = 50; // ranges in one cursor message
export const MAX_NAME_LENGTH = 40; // characters of a display name
export const MAX_CHAT_LENGTH = 2000; // UTF-16 units of a chat message
export const MAX_NOTES_LENGTH = 50000; // UTF-16 units of the hosts' notes
export const MAX_RUN_OUTPUT_CHUNK = 65536; // characters of one run_output message

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

/** A `push` of local updates ({clientID, changes: ChangeSet JSON}) made on top of `version`. If the
 * server has moved on, it rebases them itself (`rebase: true`) rather than answering `push_rejected`
 * (`rebase` false: it answers that, and the client rebases). */
export function push(version, updates, rebase = true) {
  return encode("push", rebase ? { version, updates, rebase } : { version, updates });
}

/** A `pull` asking for every update after `version`. */
export function pull(version) {
  return encode("pull", { version });
}

/** `hello`: join as a participant (name optional: the server says "Guest" until `set_name`); with the host
 * link's key (`hostKey`), as a host. */
export function hello(name, hostKey = null) {
  return encode("hello", { ...(name ? { name } : {}), ...(hostKey ? { host_key: hostKey } : {}) });
}

/** `set_name`: my display name. */
export function setName(name) {
  return encode("set_name", { name });
}

/** `cursor`: my selection ranges [{anchor, head}] in the document at `version`. */
export function cursor(version, ranges) {
  return encode("cursor", { version, ranges });
}

/** `set_language`: switch the session to `language` ("python", "javascript"). */
export function setLanguage(language) {
  return encode("set_language", { language });
}

/** `run_start`: I started running the code at `version` in `language`. */
export function runStart(version, language) {
  return encode("run_start", { version, language });
}

/** `run_output`: a chunk of my current run's output. */
export function runOutput(stream, text) {
  return encode("run_output", { stream, text });
}

/** `run_end`: my current run ended. */
export function runEnd(status, durationMs) {
  return encode("run_end", { status, duration_ms: durationMs });
}

/** `chat`: a chat message. */
export function chat(text) {
  return encode("chat", { text });
}

/** `lock`: (hosts) stop candidates from editing, or let them again. */
export function lock(locked) {
  return encode("lock", { locked });
}

/** `end_session`: (hosts) end the interview; the session becomes read-only. */
export function endSession() {
  return encode("end_session", {});
}

/** `rename`: (hosts) the session's title. */
export function rename(title) {
  return encode("rename", { title });
}

/** `set_problem`: (hosts) show a problem and load its starter code. */
export function setProblem(problem) {
  return encode("set_problem", { problem });
}

/** `set_notes`: (hosts) the private notes, written on top of notes `version`. */
export function setNotes(text, version) {
  return encode("set_notes", { text, version });
}
