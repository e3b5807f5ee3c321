// The host's playback: a full-window dialog that loads the session's history and replays it, with
// "Run this version" running past code in this page's runner (privately: re-runs are not shared).
import { fetchHistory } from "../downloads.js";

export class PlaybackDialog {
  constructor({ sessionId, hostKey, runner, toast }) {
    this.sessionId = sessionId;
    this.hostKey = hostKey;
    this.runner = runner;
    this.toast = toast;
    this.player = null;
  }

  async open() {
    const dialog = document.createElement("dialog");
    dialog.className = "playback-dialog";
    dialog.setAttribute("aria-label", "Session playback");
    const head = document.createElement("div");
    head.className = "playback-dialog-head";
    const title = document.createElement("h2");
    title.textContent = "Playback";
    const close = document.createElement("button");
    close.type = "button";
    close.className = "button";
    close.textContent = "Close playback";
    close.addEventListener("click", () => dialog.close());
    head.append(title, close);
    const body = document.createElement("div");
    body.className = "playback-dialog-body";
    body.textContent = "Loading the session's history…";
    dialog.append(head, body);
    document.body.append(dialog);
    dialog.addEventListener("close", () => {
      this.player?.destroy();
      this.player = null;
      dialog.remove();
    });
    dialog.showModal();
    let history;
    try {
      history = await fetchHistory(this.sessionId, this.hostKey);
    } catch (failure) {
      body.textContent = `Could not load the history: ${failure.message}`;
      return;
    }
    if (!dialog.open) return;
    body.textContent = "";
    // The player module (CodeMirror state for every version) loads only when a host opens playback.
    const { Player } = await import("../playback/player.js");
    this.player = new Player({ root: body, history, runCode: (run) => this.runCode(run) });
  }

  /** Runs past code in the page's runner; its output goes to the player only. */
  runCode({ language, code, onOutput, onEnd }) {
    const runner = this.runner;
    const refuse = (why) => {
      onOutput("stderr", `${why}\n`);
      onEnd("error");
    };
    if (runner.running) return refuse("Another run is in progress on this page: stop it first.");
    const pageLanguage = runner.language;
    if (pageLanguage !== language) runner.setLanguage(language);
    if (!runner.ready) {
      if (runner.language !== pageLanguage) runner.setLanguage(pageLanguage); // the other one keeps loading
      return refuse(`The ${language} runner is still starting: press Run this version again in a moment.`);
    }
    const onOutputEvent = ({ detail }) => onOutput(detail.stream === "system" ? "stderr" : detail.stream, detail.text);
    const onDone = ({ detail }) => {
      runner.removeEventListener("output", onOutputEvent);
      runner.removeEventListener("done", onDone);
      if (runner.language !== pageLanguage) runner.setLanguage(pageLanguage); // the page's Run runs the page's language
      onEnd(detail.status);
    };
    runner.addEventListener("output", onOutputEvent);
    runner.addEventListener("done", onDone);
    if (runner.run(code) === null) onDone({ detail: { status: "error" } });
  }
}
