// The WebSocket wire protocol (docs/PROTOCOL.md): encoding and one builder per client message.
// Declared in interview_server/protocol.py (protocol-spec.js is generated from it); no DOM, so Node imports it.
import { SERVER_MESSAGE_TYPES } from "./protocol-spec.js";

// Message names, error codes, languages, close codes and limits: generated from the server's declarations.
export * from "./protocol-spec.js";

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

/**
 * A `push` of local updates ({clientID, changes: ChangeSet JSON}) made on top of `version`. If the server
 * has moved on, it rebases them itself (`rebase: true`) rather than answering `push_rejected` (`rebase`
 * false: it answers that, and the client rebases). `cursor`: my selection ranges [{anchor, head}] in the
 * text after these updates, relayed with them.
 * @param {number} version
 * @param {{clientID: string, changes: unknown}[]} updates
 * @param {boolean} [rebase]
 * @param {{anchor: number, head: number}[] | null} [cursor]
 */
export function push(version, updates, rebase = true, cursor = null) {
  return encode("push", { version, updates, ...(rebase ? { rebase } : {}), ...(cursor ? { cursor: { ranges: cursor } } : {}) });
}

/** A `pull` asking for every update after `version`. */
export function pull(version) {
  return encode("pull", { version });
}

/** `hello`: join as a participant (name optional: the server says "Guest" until `set_name`); with the host
 * link's key (`hostKey`), as a host; `authorKey`: this tab's secret, so its comments stay its own after a reload. */
export function hello(name, hostKey = null, authorKey = null) {
  return encode("hello", { ...(name ? { name } : {}), ...(hostKey ? { host_key: hostKey } : {}),
    ...(authorKey ? { author_key: authorKey } : {}) });
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

/** `report_hidden_results`: (hosts) the hidden checks' cases on the candidate's code at `version`, as this
 * browser ran them; `runId`: the candidate's run that started them (automatic grading), or null. */
export function reportHiddenResults({ version, language, runId = null, cases }) {
  return encode("report_hidden_results", { version, language, ...(runId ? { run_id: runId } : {}), cases });
}

/** `set_scorecard`: (hosts) my scorecard `card`, written on top of its `version` (0: a new card). */
export function setScorecard({ card, version, scores, comment, recommendation }) {
  return encode("set_scorecard", { card, version, scores, comment, recommendation });
}

/** `set_timer`: (hosts) `start` (with `minutes`), `pause`, `resume` or `reset` the interview timer. */
export function setTimer(action, minutes = undefined) {
  return encode("set_timer", { action, ...(minutes === undefined ? {} : { minutes }) });
}

/** `board_draw`: (participants) add `element` {id, type, color, width, points, text?, size?} on top of the board;
 * `op`: my id for this operation (answered by board_done or an error, in order). */
export function boardDraw(op, element) {
  return encode("board_draw", { op, element });
}

/** `board_move`: (participants) new points for board elements [{id, points}] (move, resize). */
export function boardMove(op, elements) {
  return encode("board_move", { op, elements });
}

/** `board_erase`: (participants) remove board elements by id. */
export function boardErase(op, ids) {
  return encode("board_erase", { op, ids });
}

/** `board_clear`: (hosts) erase the whole board. */
export function boardClear(op) {
  return encode("board_clear", { op });
}

/** `board_pull`: the board's updates after `version` (or the whole board). */
export function boardPull(version) {
  return encode("board_pull", { version });
}

/** `board_pointer`: my pointer on the board, in board coordinates (null, null: it left the board). */
export function boardPointer(x, y) {
  return encode("board_pointer", { x, y });
}

/** `call_signal`: a WebRTC signal (`{description}`, `{candidate}` or `{bye: true}`) for participant `to` only. */
export function callSignal(to, signal) {
  return encode("call_signal", { to, signal });
}

/** `call_state`: whether I am in the call, with my microphone (`audio`) and camera (`video`) on or off. */
export function callState(inCall, audio, video) {
  return encode("call_state", { in_call: inCall, audio, video });
}

/** `comment_add`: start a thread on [from, to) of the text at `version`; `visibility` "hosts": (hosts) hosts only. */
export function commentAdd({ version, from, to, text, visibility = "everyone" }) {
  return encode("comment_add", { version, from, to, text, ...(visibility === "hosts" ? { visibility } : {}) });
}

/** `comment_reply`, `comment_edit`, `comment_delete`, `comment_resolve`: a thread's comments and state. */
export function commentReply(thread, text) {
  return encode("comment_reply", { thread, text });
}

export function commentEdit(thread, comment, text) {
  return encode("comment_edit", { thread, comment, text });
}

export function commentDelete(thread, comment) {
  return encode("comment_delete", { thread, comment });
}

export function commentResolve(thread, resolved) {
  return encode("comment_resolve", { thread, resolved });
}

/** `integrity_event`: what this page saw ({kind: "paste", chars, external}, {kind: "away", ms, reason} or
 * {kind: "burst", chars, ms}; docs/INTEGRITY.md). */
export function integrityEvent(event) {
  return encode("integrity_event", event);
}
