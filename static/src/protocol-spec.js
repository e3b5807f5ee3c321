// Generated from interview_server/protocol.py by `make protocol` (python -m interview_server.protocol_spec).
// Do not edit: change the declarations there and run it again; tests/test_protocol_agreement.py checks.

/** Client -> server messages: type -> who may send it (anyone, participants: said hello, hosts). */
export const CLIENT_MESSAGES = {"push": "anyone", "pull": "anyone", "code_update": "anyone", "hello": "anyone", "set_name": "participants", "cursor": "participants", "set_language": "anyone", "run_start": "participants", "run_output": "participants", "run_end": "participants", "chat": "participants", "call_signal": "participants", "call_state": "participants", "board_draw": "participants", "board_move": "participants", "board_erase": "participants", "board_clear": "hosts", "board_pull": "participants", "board_pointer": "participants", "comment_add": "participants", "comment_reply": "participants", "comment_edit": "participants", "comment_delete": "participants", "comment_resolve": "participants", "integrity_event": "participants", "lock": "hosts", "end_session": "hosts", "rename": "hosts", "set_problem": "hosts", "set_notes": "hosts", "report_hidden_results": "hosts", "set_scorecard": "hosts", "set_timer": "hosts"};
export const CLIENT_MESSAGE_TYPES = Object.keys(CLIENT_MESSAGES);
/** Server -> client message types. */
export const SERVER_MESSAGE_TYPES = ["session_state", "user_joined", "user_left", "updates", "push_rejected", "error", "welcome", "participants", "cursor", "language", "history", "run_started", "run_output", "run_finished", "call_signal", "board_updates", "board_state", "board_done", "board_pointer", "comment_threads", "comment_thread", "comment_removed", "integrity_events", "integrity", "chat", "session_info", "notes", "grading", "hidden_results", "hidden_summary", "scorecard", "timer"];
/** `error.code` values a page acts on. */
export const ERROR_CODES = ["document_too_large", "rate_limited", "session_full", "too_many_connections", "host_only", "bad_host_key", "locked", "ended", "notes_rejected", "noop_refused", "too_many_parts", "name_refused", "language_refused", "cursor_refused", "comments_full", "not_yours", "integrity_full", "call_full", "board_full", "store_unavailable"];
export const LANGUAGES = ["python", "javascript", "typescript", "sql", "lua"]; // ids; static/src/languages/ has a module for each

/** Close codes the server ends a socket with, beyond WebSocket's own. */
export const CLOSE_SESSION_NOT_FOUND = 4404;
export const CLOSE_SESSION_FULL = 4409;
export const CLOSE_TOO_MANY_CONNECTIONS = 4429;

/** The server's limits the page keeps to. */
export const MAX_UPDATES_PER_PUSH = 1000;
export const MAX_PARTS_PER_PUSH = 10000;
export const MAX_CURSOR_RANGES = 50;
export const MAX_NAME_LENGTH = 40;
export const MAX_CHAT_LENGTH = 2000;
export const MAX_NOTES_LENGTH = 50000;
export const MAX_RUN_OUTPUT_CHUNK = 65536;
