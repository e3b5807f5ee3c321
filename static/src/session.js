// Entry of the editor page: wires the socket, the collab editor, the Python runner and the UI.
import { CollabClient } from "./collab.js";
import { Connection, STATUS } from "./connection.js";
import { Runner } from "./runner.js";
import { InviteButton } from "./ui/invite.js";
import { OutputPanel } from "./ui/output.js";
import { Participants } from "./ui/participants.js";
import { RunControls } from "./ui/run-controls.js";
import { StatusBadge } from "./ui/status.js";
import { Toast } from "./ui/toast.js";

const $ = (selector) => document.querySelector(selector);
const main = $("main[data-session-id]");

const connectionStatus = new StatusBadge($("#connection-status"));
const pythonStatus = new StatusBadge($("#python-status"));
const participants = new Participants($("#participants"));
const output = new OutputPanel($("#output"), $("#clear-output"));
const controls = new RunControls($("#run"), $("#stop"), $("#run-shortcut"));
const toast = new Toast($("#toast"));
new InviteButton($("#copy-invite"), $("#invite-note"), $("#invite-link"));

const connection = new Connection(main.dataset.sessionId);
const runner = new Runner();
const collab = new CollabClient({
  connection,
  parent: $("#editor"),
  onRun: () => controls.emit("run"),
  maxMessageBytes: Number(main.dataset.maxMessageBytes) || undefined,
});

const CONNECTION_TONES = {
  [STATUS.connecting]: "busy",
  [STATUS.connected]: "ok",
  [STATUS.reconnecting]: "warn",
  [STATUS.offline]: "error",
  [STATUS.notFound]: "error",
};
connection.addEventListener("status", ({ detail }) => {
  connectionStatus.set(detail, CONNECTION_TONES[detail]);
  if (detail === STATUS.notFound && !collab.view) $("#editor-placeholder").textContent =
    "This session does not exist. It may have expired, or the link may be wrong.";
});

// Why the server closed the socket, in words for the people in the session (close codes: docs/PROTOCOL.md).
const CLOSE_EXPLANATIONS = {
  1001: "Server restarting, reconnecting…",
  1013: "The connection fell behind, reconnecting…",
};
connection.addEventListener("close", ({ detail }) => {
  const explanation = CLOSE_EXPLANATIONS[detail.code];
  if (explanation) toast.show(explanation);
});

collab.addEventListener("ready", () => $("#editor-placeholder").remove());
collab.addEventListener("participants", ({ detail }) => participants.set(detail));
collab.addEventListener("notice", ({ detail }) => output.system(detail));
collab.addEventListener("too-large", ({ detail }) =>
  toast.show(`That change is too large to share (over ${formatBytes(detail)}), so it was undone.`));
collab.addEventListener("server-error", ({ detail }) => toast.show(`Server: ${detail}`));
collab.guardUnload();

const PYTHON_TONES = { loading: "busy", ready: "ok", running: "busy", failed: "error" };
runner.addEventListener("status", ({ detail }) => {
  pythonStatus.set(detail.text, PYTHON_TONES[detail.state], detail.state === "failed" ? detail.text : "");
  controls.set({ ready: runner.ready, running: runner.running });
});
runner.addEventListener("output", ({ detail }) => output.append(detail.stream, detail.text));
runner.addEventListener("done", ({ detail }) => output.system(describeEnd(detail)));
controls.addEventListener("run", () => runner.run(collab.getText()));
controls.addEventListener("stop", () => runner.stop());

function formatBytes(bytes) {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MB` : `${Math.round(bytes / 1024)} KB`;
}

function describeEnd({ status, ms }) {
  if (status === "stopped") return "— stopped —";
  if (status === "error") return "— error —";
  return `— finished in ${ms} ms —`;
}

window.pad = {
  getText: () => collab.getText(),
  getVersion: () => collab.getVersion(),
  pendingCount: () => collab.pendingCount(),
  isConnected: () => collab.isConnected(),
};

connection.start();
runner.start();
