// The interviewer's toolbar (hosts only; the server refuses these messages from anyone else): title,
// problem, lock, playback, export and ending the interview (the notes are a tab of the side column).
import * as protocol from "../protocol.js";
import { ask } from "./host-dialogs.js";

/** Events: `open-playback`, `export`. */
export class HostTools extends EventTarget {
  /** `hostUrl`: the host link, for "Copy host link" (a co-interviewer's way in). */
  constructor({ bar, connection, info, toast, hostUrl }) {
    super();
    this.hostUrl = hostUrl;
    this.bar = bar;
    this.connection = connection;
    this.info = info;
    this.toast = toast;
    this.buttons = Object.fromEntries([...bar.querySelectorAll("button[data-action]")].map((b) => [b.dataset.action, b]));
    bar.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (button) this.act(button.dataset.action);
    });
    info.addEventListener("change", () => this.render());
    this.render();
  }

  render() {
    const { isHost, locked, ended } = this.info;
    this.bar.hidden = !isHost;
    const lock = this.buttons.lock;
    lock.classList.toggle("is-on", locked);
    lock.querySelector(".label").textContent = locked ? "Unlock editing" : "Lock editing";
    for (const name of ["lock", "problem", "end"]) this.buttons[name].disabled = ended;
    this.buttons.end.querySelector(".label").textContent = ended ? "Interview ended" : "End interview";
  }

  async act(action) {
    if (action === "playback") this.emit("open-playback");
    else if (action === "export") this.emit("export");
    else if (action === "lock") this.send(protocol.lock(!this.info.locked));
    else if (action === "copy-host-link") await this.copyHostLink();
    else if (action === "rename") {
      const title = await ask({ title: "Rename the session", hint: "Everyone in the session sees the title.",
        field: { kind: "text", label: "Title", value: this.info.title, maxLength: 100 }, confirm: "Save" });
      if (title !== null) this.send(protocol.rename(title));
    } else if (action === "problem") await this.chooseProblem();
    else if (action === "end") {
      const sure = await ask({ title: "End the interview?", confirm: "End interview", danger: true,
        hint: "Everyone's editor becomes read-only, for good. You can still replay the session, export it and write notes." });
      if (sure) this.send(protocol.endSession());
    }
  }

  async chooseProblem() {
    let problems;
    try {
      const response = await fetch("/api/problems");
      problems = (await response.json()).problems;
    } catch {
      this.toast.show("Could not load the list of problems.");
      return;
    }
    // The question bank's picker (search, filters, preview) loads on first use: hosts only.
    const { pickProblem } = await import("./problem-picker.js");
    const id = await pickProblem({
      problems,
      hint: "Its prompt appears beside the editor for everyone, and its starter code replaces the current code (playback keeps the old code).",
      selected: this.info.problem?.id ?? "",
    });
    if (id !== null) this.send(protocol.setProblem(id));
  }

  async copyHostLink() {
    try {
      await navigator.clipboard.writeText(this.hostUrl);
      this.toast.show("Host link copied. Anyone with it is a host: share it only with other interviewers.");
    } catch {
      // No clipboard (plain http on a LAN, or no permission): show it to copy by hand.
      await ask({ title: "Host link", hint: "Anyone with this link is a host: share it only with other interviewers.",
        field: { kind: "text", label: "Host link", value: this.hostUrl, maxLength: 1000 }, confirm: "Done" });
    }
  }

  send(frame) {
    if (!this.connection.send(frame)) this.toast.show("Not connected: try again once the connection is back.");
  }

  emit(type) {
    this.dispatchEvent(new Event(type));
  }
}
