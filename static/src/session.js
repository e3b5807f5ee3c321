// Entry of the editor page (and of its embed view): wires the socket, the collab editor, presence,
// runs, language, chat and the call's Join button (the embed view has no chat and no invite button, but a postMessage API),
// the problem beside the editor, the panes and the side column's tabs, and, for hosts (the host link),
// the interviewer's tools.
import { BoardTab } from "./board-tab.js";
import { Compartment } from "@codemirror/state";
import { CollabClient } from "./collab.js";
import { authorKey, CommentsLoader } from "./comments/loader.js";
import { Connection, STATUS } from "./connection.js";
import { keepCaretInView, languageExtension, loadComfort, setEditorLanguage, settings } from "./editor.js";
import { EmbedApi } from "./embed-api.js";
import { GradingInbox } from "./grading/inbox.js";
import { forgetHostKey, hostUrlFrom, takeHostKey } from "./host-link.js";
import { rememberInterview } from "./my-interviews.js";
import { Presence } from "./presence.js";
import { Runner } from "./runner.js";
import { SessionInfo } from "./session-info.js";
import { SettingsButton } from "./settings/settings-button.js";
import { SharedRuns } from "./shared-runs.js";
import { Chat } from "./ui/chat.js";
import { FrameInbox } from "./frame-inbox.js";
import { HiddenSummary } from "./ui/hidden-summary.js";
import { CallButton } from "./ui/call-button.js";
import { FormatButton } from "./ui/format-button.js";
import { ask } from "./ui/host-dialogs.js";
import { HostTools } from "./ui/host-tools.js";
import { InputPanel } from "./ui/input.js";
import { InviteButton } from "./ui/invite.js";
import { LanguagePicker } from "./ui/language-picker.js";
import { OutputPanel } from "./ui/output.js";
import { PaneLayout } from "./ui/pane-layout.js";
import { ProblemPanel } from "./ui/problem-panel.js";
import { RunControls } from "./ui/run-controls.js";
import { SessionBanner } from "./ui/session-banner.js";
import { ShowOutputOnRun } from "./ui/show-output-on-run.js";
import { SideTabs } from "./ui/side-tabs.js";
import { SqlSchema } from "./ui/sql-schema.js";
import { StatusBadge } from "./ui/status.js";
import { timerLoader } from "./ui/timer-loader.js";
import { Toast } from "./ui/toast.js";
import { TopbarMenu } from "./ui/topbar-menu.js";

const $ = (selector) => document.querySelector(selector);
const main = $("main[data-session-id]");

const connectionStatus = new StatusBadge($("#connection-status"));
const runtimeStatus = new StatusBadge($("#runtime-status"));
const output = new OutputPanel($("#output"), $("#clear-output"));
const controls = new RunControls($("#run"), $("#stop"), $("#run-shortcut"));
const toast = new Toast($("#toast"));
new SettingsButton({ button: $("#editor-settings"), settings, toast });
if ($("#copy-invite")) new InviteButton($("#copy-invite"), $("#invite-note"), $("#invite-link"));
const embed = main.dataset.embedOrigins === undefined ? null
  : new EmbedApi({ sessionId: main.dataset.sessionId, origins: main.dataset.embedOrigins.split(/\s+/).filter(Boolean) });

const connection = new Connection(main.dataset.sessionId);
const info = new SessionInfo(connection);
const gradingInbox = new GradingInbox(connection); // the hosts' grading messages, until their tools load
// "#host=KEY&open=playback" (My interviews' "Play back") opens playback once welcomed as host.
const openOnArrival = new URLSearchParams(location.hash.slice(1)).get("open");
// "#name=…" (an LMS launch, interview_server/lti/links.py) names this person: no name dialog. It leaves the address bar.
const linkName = new URLSearchParams(location.hash.slice(1)).get("name");
const hostKey = takeHostKey(main.dataset.sessionId);
if (linkName) history.replaceState(history.state, "", location.pathname + location.search);
// The hosts' Signals (integrity/host-summary.js) load once welcomed as a host: what it needs is kept till then.
const signalsInbox = hostKey
  ? new FrameInbox(connection, ["integrity_events", "integrity", "history", "run_started", "run_finished"]) : null;
// Pastes, time away and typing bursts (docs/INTEGRITY.md): not in an embed that turned them off.
// The recorder and the comments' anchors load once the editor is editable (not first-load code); their editor
// extensions join then, through this compartment (every new editor state gets them too).
const lateExtensions = new Compartment();
let late = [];
const addLateExtension = (extension) => {
  late = [...late, extension];
  collab.view?.dispatch({ effects: lateExtensions.reconfigure(late) });
};
let integrity = null; // integrity/recorder.js, once loaded (not in an embed that turned recording off)
if (hostKey && $("#integrity-note")) $("#integrity-note").hidden = true; // for candidates (shown again if refused)
let comments = null; // the Comments tab and the Comment button (the full page only; comments/loader.js)
const presence = new Presence({
  hostKey,
  authorKey: authorKey(main.dataset.sessionId),
  connection,
  list: $("#participants"),
  count: $("#participant-count"),
  popover: $("#people-popover"),
  all: $("#people-all"),
  dialog: $("#name-dialog"),
  linkName,
});
let language = main.dataset.language;
const collab = new CollabClient({
  connection,
  parent: $("#editor"),
  onRun: () => controls.emit("run"),
  maxMessageBytes: Number(main.dataset.maxMessageBytes) || undefined,
  maxDocumentBytes: Number(main.dataset.maxDocumentBytes) || undefined,
  extensions: () => [presence.extension(), languageExtension(language), embed ? embed.extension() : [],
    comments ? comments.extension() : [], lateExtensions.of(late)],
});
presence.attach(collab);
const formatButton = $("#format-button") && new FormatButton({ button: $("#format-button"), view: () => collab.view,
  language: () => language, toast, addLateExtension });
// The call: only its Join button is in the first load (the embed view's ?call=off has none).
const call = $("#join-call") && $("#call")
  ? new CallButton({ button: $("#join-call"), root: $("#call"), connection, presence, toast }) : null;

const input = new InputPanel({ stdin: $("#stdin"), prompt: $("#input-prompt") });
const runner = new Runner({ timeLimitMs: Number(main.dataset.runTimeLimit) * 1000 || 10000, input });
const runs = new SharedRuns({ connection, collab, runner, presence, output });
const picker = new LanguagePicker($("#language"), language);
const problem = new ProblemPanel({ root: $("#problem") });
new SqlSchema({ info, runner, problem, output: $("#output") }); // an SQL problem's tables, and its schema for runs and completions
problem.addEventListener("run-checks", (/** @type {CustomEvent} */ { detail }) => runs.runLocal({ checks: detail.checks }));
const banner = new SessionBanner($("#session-banner"));
let notes = null; // the hosts' private notes (loaded once this page is welcomed as a host: never a candidate's)
let heldNotes = null; // the latest `notes` frame, kept until the notes panel has loaded
connection.addEventListener("message", (/** @type {CustomEvent} */ { detail }) => {
  if (detail.type === "notes") heldNotes = detail.data ?? {};
});
new HiddenSummary({ connection, before: $("#output") });
const timer = $(".topbar-status") ? timerLoader({ connection, mount: $(".topbar-status"), toast }) : null;
let signals = null; // the hosts' Signals (integrity/host-summary.js, loaded on becoming a host)
let grading = null; // the hosts' Tests and Scorecard tabs (grading/host.js, loaded on becoming a host)

// The panes, and the side column's tabs (the embed view has only the output beside the editor).
const layout = new PaneLayout({
  workspace: main,
  editorPane: $(".editor-pane"),
  side: $("#side"),
  sideSplitter: $("#side-splitter"),
  fold: $("#side-collapse"),
  problem,
  problemSplitter: $("#problem-splitter"),
  names: embed ? "output" : "side panels",
});
if ($("#menu-button")) new TopbarMenu({ button: $("#menu-button"), menu: $("#topbar-menu"), hostbar: $("#host-tools") });
const tabs = $("#side-tabs") ? new SideTabs({ list: $("#side-tabs"), panels: $("#side-panels") }) : null;
// A tab chosen while the column is folded brings the column back.
tabs?.addEventListener("shortcut", () => layout.folded && layout.setFolded(false));
$("#side-tabs")?.addEventListener("click", () => layout.folded && layout.setFolded(false));
if (tabs) {
  const outputTab = tabs.registerPanel({ id: "output", label: "Output", order: 10, element: $("#output-pane") });
  new ShowOutputOnRun({ checkbox: $("#output-on-run"), output, tab: outputTab, layout });
  const chatTab = tabs.registerPanel({ id: "chat", label: "Chat", order: 20, element: $("#chat") });
  new Chat({ connection, presence, log: $("#chat-log"), form: $("#chat-form"), input: $("#chat-input"), tab: chatTab });
}
if (tabs && $("#comment-button")) {
  comments = new CommentsLoader({ tabs, root: $("#comments"), button: $("#comment-button"),
    page: { connection, collab, presence, info, toast, sessionId: main.dataset.sessionId, addLateExtension } });
}
keepCaretInView(() => collab.view);
// "Code | Draw": the whiteboard over the editor (its code loads when Draw is first opened; not in the embed view).
const boardTab = $("#pane-switch") && new BoardTab({ tabs: $("#pane-switch"), codeTab: $("#code-tab"), drawTab: $("#draw-tab"), editor: $("#editor"),
  panel: $("#board"), connection, presence, info, toast, ask });

const CONNECTION_TONES = {
  [STATUS.connecting]: "busy",
  [STATUS.connected]: "ok",
  [STATUS.reconnecting]: "warn",
  [STATUS.offline]: "error",
  [STATUS.notFound]: "error",
  [STATUS.full]: "warn",
  [STATUS.tooMany]: "warn",
};
const FULL_EXPLANATION =
  "This session is full: it already has as many people as this server allows. You will join as soon as someone leaves.";
let toldFull = false; // once per wait: the page tries again every few seconds
connection.addEventListener("status", (/** @type {CustomEvent} */ { detail }) => {
  if (detail === STATUS.connected && collab.savingPaused) showSavingPaused();
  else connectionStatus.set(detail, CONNECTION_TONES[detail]);
  if (detail === STATUS.notFound && !collab.view) $("#editor-placeholder").textContent =
    "This session does not exist. It may have expired, or the link may be wrong.";
  if (detail === STATUS.full && !collab.view) $("#editor-placeholder").textContent = FULL_EXPLANATION;
  // A place is taken by saying hello, after the text has arrived: the editor may already show it.
  else if (detail === STATUS.full && !toldFull) toast.show(FULL_EXPLANATION);
  if (detail === STATUS.full) toldFull = true;
});

// Why the server closed the socket, in words for the people in the session (close codes: docs/PROTOCOL.md).
const CLOSE_EXPLANATIONS = {
  1001: "Server restarting, reconnecting…",
  1013: "The connection fell behind, reconnecting…",
  1008: "The connection sent too many messages too fast and was closed, reconnecting…",
};
connection.addEventListener("close", (/** @type {CustomEvent} */ { detail }) => {
  const explanation = CLOSE_EXPLANATIONS[detail.code];
  if (explanation) toast.show(explanation);
});

// The session's language: the server's word (session_state, `language`) wins; the picker asks it.
function useLanguage(next, by) {
  if (!next || next === language) return;
  language = next;
  picker.set(language);
  formatButton?.refresh();
  if (collab.view) setEditorLanguage(collab.view, language);
  runner.setLanguage(language);
  problem.setLanguage(language);
  if (by) toast.show(`${by} switched the language to ${picker.label(language)}.`);
}
connection.addEventListener("message", (/** @type {CustomEvent} */ { detail: { type, data } }) => {
  if (type === "session_state" || type === "welcome") useLanguage(data.language);
  else if (type === "language") {
    const who = data.participant === presence.me?.id ? null : presence.participant(data.participant)?.name ?? "Someone";
    useLanguage(data.language, who);
  }
});
picker.addEventListener("change", (/** @type {CustomEvent} */ { detail }) => {
  const offered = info.problem?.languages; // the server refuses the others too (language_refused)
  if (Array.isArray(offered) && !offered.includes(detail)) {
    picker.set(language);
    toast.show(`The problem “${info.problem.title}” has no ${picker.label(detail)} version (it has ${
      offered.map((id) => picker.label(id)).join(", ")}). Load another problem to switch.`);
    return;
  }
  if (!connection.send(picker.request(detail))) {
    picker.set(language);
    toast.show("Not connected: the language can be changed once the connection is back.");
  }
});

collab.addEventListener("ready", () => {
  $("#editor-placeholder").remove();
  performance.mark("editor-editable"); // the session's text is in the editor, which takes typing (bench/page_bench.py)
  setEditorLanguage(collab.view, language); // its highlighting, once loaded
  if (!integrity && main.dataset.integrity !== "off") setTimeout(loadIntegrityRecorder, 0); // after the first paint
  // This person's keymap, bracket closing, completion and lint (settings/editor-settings.js), after the first paint.
  setTimeout(() => loadComfort({ onWrite: () => toast.show("Nothing to write: the pad saves every change as you make it.") })
    .catch((failure) => console.warn("interview_server: no editor comfort:", failure)), 0);
});

/** Pastes, time away and typing bursts (docs/INTEGRITY.md): the recorder, once the editor is up. */
function loadIntegrityRecorder() {
  integrity = import("./integrity/recorder.js").then(({ IntegrityRecorder }) => {
    const recorder = new IntegrityRecorder({ connection, enabled: true });
    recorder.role = info.role ? (info.isHost ? "host" : "candidate") : null; // welcomed before it loaded
    addLateExtension(recorder.extension());
    return recorder;
  }).catch(() => null); // not loaded: nothing recorded (a reload tries again)
}
collab.addEventListener("participants", (/** @type {CustomEvent} */ { detail }) => presence.setCount(detail));
collab.addEventListener("notice", (/** @type {CustomEvent} */ { detail }) => output.system(detail));
collab.addEventListener("too-large", (/** @type {CustomEvent} */ { detail }) =>
  toast.show(`That change is too large to share (over ${formatBytes(detail)}), so it was undone.`));
collab.addEventListener("document-full", (/** @type {CustomEvent} */ { detail }) =>
  toast.show(`The document has reached its size limit (${formatBytes(detail)}), so that change was undone.`));
collab.addEventListener("server-error", (/** @type {CustomEvent} */ { detail }) => toast.show(`Server: ${detail}`));
// The server cannot reach its storage: edits stay in this page and are sent again every second until they land.
const SAVING_PAUSED = "Saving paused";
const showSavingPaused = () =>
  connectionStatus.set(SAVING_PAUSED, "warn", "The server is reconnecting to its storage. Your edits are kept here.");
collab.addEventListener("saving-paused", () => {
  showSavingPaused();
  toast.show("Saving paused: the server is reconnecting to its storage. Keep typing; your edits are kept here and saved when it is back.");
});
collab.addEventListener("saving-resumed", () => {
  if (connectionStatus.text.textContent === SAVING_PAUSED) connectionStatus.set(STATUS.connected, "ok");
  toast.show("Saved: the server reached its storage again.");
});
collab.guardUnload();

const RUNTIME_TONES = { loading: "busy", ready: "ok", running: "busy", failed: "error" };
runner.addEventListener("status", (/** @type {CustomEvent} */ { detail }) => {
  runtimeStatus.element.setAttribute("aria-label", detail.label);
  runtimeStatus.set(detail.text, RUNTIME_TONES[detail.state], detail.state === "failed" ? detail.text : "");
  controls.set({ ready: runner.ready, running: runner.running });
});
controls.addEventListener("run", () => runs.runLocal());
controls.addEventListener("stop", () => runner.stop());
embed?.attach({ collab, runner, run: () => runs.runLocal() });
// Framed by another site, the page is not cross-origin isolated: say what that changes.
const isolationNote = $("#isolation-note");
if (isolationNote) isolationNote.hidden = globalThis.crossOriginIsolated;

// Title, lock, end and problem (session_info) and my role (welcome): what each means on this page.
let wasHost = false;
let shownProblem = "null";
info.addEventListener("change", () => {
  const title = $("#session-title");
  if (title) {
    title.textContent = info.title;
    title.hidden = !info.title;
  }
  document.title = `${info.title ? `${info.title} — ` : ""}Interview pad`;
  collab.allowEditing(info.canEdit);
  $("#language").disabled = !info.canEdit;
  runs.ended = info.ended;
  banner.show(info);
  if (JSON.stringify(info.problem) !== shownProblem) {
    const first = shownProblem === "null";
    shownProblem = JSON.stringify(info.problem); // re-rendered only when it changed (keeps the reader's scroll)
    problem.show(info.problem);
    if (first && layout.narrow) problem.setExpanded(false); // on a phone the editor comes first; the title stays
  }
  problem.setLanguage(language);
  main.classList.toggle("has-problem", Boolean(info.problem));
  layout.refresh();
  if (info.isHost && !wasHost) becomeHost();
  const note = $("#integrity-note");
  if (note && info.role) note.hidden = info.isHost; // for candidates: hosts' pages record nothing
  wasHost = info.isHost;
  // This browser's "My interviews" (landing page): kept for hosts only, with the title as it is now.
  if (info.isHost && hostKey) rememberInterview({ id: main.dataset.sessionId, hostKey, title: info.title });
});
collab.addEventListener("refused", (/** @type {CustomEvent} */ { detail }) => {
  if (detail === "ended") toast.show("The interview has ended: your last edit could not be saved.");
});
connection.addEventListener("message", (/** @type {CustomEvent} */ { detail: { type, data } }) => {
  if (type === "welcome") toldFull = false; // in: the next wait for a place is told again
  if (type === "error" && data.code === "language_refused") {
    picker.set(language);
    toast.show(`Language not switched: ${data.message.replace(/^\w+: /, "")}`);
  }
  if (type === "error" && data.code === "name_refused") toast.show(`Name not taken: ${data.message.replace(/^\w+: /, "")}`);
  // A chat message, a run's output or a setting the server could not store (edits, notes and drawings retry by themselves).
  if (type === "error" && data.code === "store_unavailable" && !/^(push|set_notes|board_\w+):/.test(data.message)) {
    toast.show("Not saved: the server is reconnecting to its storage. Try again in a moment.");
  }
  if (type === "error" && data.code === "bad_host_key") {
    toast.show("This host link is not valid for this session, so you joined as a candidate. Check the link you were given.");
    forgetHostKey(main.dataset.sessionId);
    presence.joinWithoutHostKey();
  }
});
$("#download-code")?.addEventListener("click", async () => {
  const text = collab.getText(); // as it is when pressed
  try {
    (await import("./downloads.js")).downloadCode(text, language, info.title);
  } catch (failure) {
    toast.show(`Could not download the code: ${failure.message}`);
  }
});

/** The interviewer's tools: shown once the server welcomes this page as a host (never before). */
function becomeHost() {
  const notesRoot = $("#notes");
  if (notesRoot && tabs && !notes) {
    notes = import("./ui/notes.js").then(({ NotesPanel }) => {
      const panel = new NotesPanel({ root: notesRoot, connection });
      if (heldNotes) panel.receive(heldNotes); // it listens itself from now on
      return panel;
    }).catch((failure) => {
      notes = null; // not loaded: the Notes tab stays empty (a reload tries again)
      toast.show(`Could not load the notes: ${failure.message}`);
    });
    tabs.setHost(true);
    tabs.registerPanel({ id: "notes", label: "Notes", order: 30, hostOnly: true, element: notesRoot });
  }
  if (tabs && !grading) {
    // Loaded now, never in a candidate's page: the hidden tests' code and results reach hosts only.
    grading = import("./grading/host.js").then(({ startHostGrading }) => startHostGrading({
      connection, collab, presence, tabs, inbox: gradingInbox, sessionId: main.dataset.sessionId, hostKey, toast,
      timeLimitMs: runner.timeLimitMs, language: () => language,
    })).catch((failure) => toast.show(`Could not load the grading tools: ${failure.message}`));
  }
  if ($("#signals-popover") && signalsInbox && !signals) {
    // Loaded now, never in a candidate's page: integrity signals reach hosts only.
    signals = import("./integrity/host-summary.js").then(({ IntegritySummary }) => new IntegritySummary({
      connection, presence, root: $("#signals-popover"), button: $("#signals-button"), held: signalsInbox.handOver() }))
      .catch((failure) => toast.show(`Could not load the signals: ${failure.message}`));
  }
  const bar = $("#host-tools");
  if (!bar || bar.dataset.wired) return;
  bar.dataset.wired = "true";
  timer?.addControls(bar, ask);
  const tools = new HostTools({ bar, connection, info, toast, hostUrl: hostUrlFrom(hostKey) });
  // The player loads when first opened (hosts only).
  let playback = null;
  const openPlayback = async () => {
    playback ??= import("./ui/playback-dialog.js").then(({ PlaybackDialog }) =>
      new PlaybackDialog({ sessionId: main.dataset.sessionId, hostKey, runner, toast }));
    try {
      (await playback).open();
    } catch (failure) {
      playback = null;
      toast.show(`Could not open playback: ${failure.message}`);
    }
  };
  tools.addEventListener("open-playback", openPlayback);
  if (openOnArrival === "playback") openPlayback();
  tools.addEventListener("export", async () => {
    try {
      await (await import("./downloads.js")).downloadSessionExport(main.dataset.sessionId, hostKey);
    } catch (failure) {
      toast.show(`Could not export the session: ${failure.message}`);
    }
  });
}

function formatBytes(bytes) {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MB` : `${Math.round(bytes / 1024)} KB`;
}

/** @type {any} */ (window).pad = {
  getText: () => collab.getText(),
  getVersion: () => collab.getVersion(),
  pendingCount: () => collab.pendingCount(),
  isConnected: () => collab.isConnected(),
  remoteCursors: () => presence.remoteCursors(),
  // Comment threads' anchors in the editor now: [{id, from, to, open, hosts, text}].
  commentAnchors: () => (collab.view && comments?.anchors ? comments.anchors.anchorsIn(collab.view.state) : []),
  role: () => info.role,
  // The whiteboard once Draw was opened (board/board.js testHook: text, version, pending, markup, pointers), else null.
  board: () => boardTab?.board?.testHook() ?? null,
  // The side column's registry (ui/side-tabs.js), for tests that add a panel as a later feature would.
  registerPanel: (panel) => tabs?.registerPanel(panel),
  // The call's state (joined, each peer connection's state and video frames decoded), or null before Join.
  call: () => call?.stats() ?? null,
};

connection.start();
runner.setLanguage(language);
