// The postMessage API of the embedded editor (/embed/{id}) for the page that frames it, e.g. an LMS.
// Events out: ready, code-changed (debounced), run-finished. Commands in: set-code, run.
// Both ways only with the origins allowed to frame the editor (FRAME_ANCESTORS) and our own.
// Documented with an example host page in docs/EMBEDDING.md.
import { EditorView } from "@codemirror/view";

const SOURCE = "interview-pad"; // every message we post says it is ours
const CODE_CHANGED_DEBOUNCE_MS = 500;
const MAX_OUTPUT_CHARS = 200000; // like the output kept for a shared run

export class EmbedApi {
  constructor({ sessionId, origins }) {
    this.sessionId = sessionId;
    this.origins = [location.origin, ...origins];
    this.framed = window.parent !== window;
    this.collab = null;
    this.runner = null;
    this.run = null; // starts a run as the Run button does
    this.pendingCode = null; // a set-code that came before the editor existed
    this.runWanted = false; // a run asked for before the runtime was ready
    this.changeTimer = null;
    this.output = [];
    this.outputChars = 0;
  }

  /** An editor extension that reports changes of the text (debounced). */
  extension() {
    return EditorView.updateListener.of((update) => {
      if (update.docChanged) this.codeChanged();
    });
  }

  /** Connects to the editor and runner and starts listening to the host page. */
  attach({ collab, runner, run }) {
    this.collab = collab;
    this.runner = runner;
    this.run = run;
    if (!this.framed) return;
    window.addEventListener("message", (event) => this.onCommand(event));
    collab.addEventListener("ready", () => this.onEditorReady(), { once: true });
    runner.addEventListener("status", () => this.maybeRun());
    runner.addEventListener("output", (/** @type {CustomEvent} */ { detail }) => this.collectOutput(detail));
    runner.addEventListener("done", (/** @type {CustomEvent} */ { detail }) => this.runFinished(detail));
  }

  onEditorReady() {
    if (this.pendingCode !== null) this.collab.replaceText(this.pendingCode);
    this.pendingCode = null;
    this.post("ready", { sessionId: this.sessionId, language: this.runner.language, code: this.collab.getText(),
      version: this.collab.getVersion() });
    this.maybeRun();
  }

  onCommand(event) {
    if (event.source !== window.parent || !this.origins.includes(event.origin)) return; // not our host
    const command = event.data;
    if (!command || typeof command !== "object" || typeof command.type !== "string") return;
    if (command.type === "set-code") {
      if (typeof command.code !== "string") return this.post("error", { message: "set-code needs a code string" });
      if (!this.collab.replaceText(command.code)) this.pendingCode = command.code;
    } else if (command.type === "run") {
      this.runWanted = true;
      this.maybeRun();
    } else {
      this.post("error", { message: `unknown command ${JSON.stringify(command.type).slice(0, 40)}; ` +
        "expected set-code or run" });
    }
  }

  maybeRun() {
    if (!this.runWanted || !this.collab.view || !this.runner.ready || this.runner.running) return;
    this.runWanted = false;
    this.run();
  }

  codeChanged() {
    if (!this.framed) return;
    clearTimeout(this.changeTimer);
    this.changeTimer = setTimeout(() => this.post("code-changed", {
      code: this.collab.getText(), version: this.collab.getVersion() }), CODE_CHANGED_DEBOUNCE_MS);
  }

  collectOutput({ stream, text }) {
    if (stream === "system" || this.outputChars >= MAX_OUTPUT_CHARS) return;
    const kept = text.slice(0, MAX_OUTPUT_CHARS - this.outputChars);
    this.outputChars += kept.length;
    const last = this.output.at(-1);
    if (last?.stream === stream) last.text += kept;
    else this.output.push({ stream, text: kept });
  }

  runFinished({ status, ms }) {
    const parts = this.output.splice(0);
    const joined = (stream) => parts.filter((part) => !stream || part.stream === stream).map((part) => part.text).join("");
    this.post("run-finished", { status, durationMs: ms ?? null, output: joined(), stdout: joined("stdout"),
      stderr: joined("stderr"), truncated: this.outputChars >= MAX_OUTPUT_CHARS, version: this.collab.getVersion() });
    this.outputChars = 0;
  }

  post(type, data) {
    // The browser delivers only to a parent of the given origin: try each allowed one.
    for (const origin of this.origins) window.parent.postMessage({ source: SOURCE, type, ...data }, origin);
  }
}
