// The Run and Stop buttons, and Ctrl/Cmd-Enter anywhere on the page.

export class RunControls extends EventTarget {
  /** Emits `run` and `stop`. */
  constructor(runButton, stopButton, shortcutHint) {
    super();
    this.runButton = runButton;
    this.stopButton = stopButton;
    const mac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
    runButton.title = "Run the code (Ctrl+Enter, or Cmd+Enter on a Mac)";
    if (shortcutHint) shortcutHint.textContent = mac ? "⌘ Enter" : "Ctrl Enter";
    runButton.addEventListener("click", () => this.emit("run"));
    stopButton.addEventListener("click", () => this.emit("stop"));
    addEventListener("keydown", (event) => {
      // The editor handles its own Mod-Enter and marks the event handled.
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.defaultPrevented) {
        event.preventDefault();
        this.emit("run");
      }
    });
    this.set({ ready: false, running: false });
  }

  /** Run is enabled only when Python is ready and idle; Stop only while running. */
  set({ ready, running }) {
    this.ready = ready && !running;
    this.runButton.disabled = !this.ready;
    this.stopButton.disabled = !running;
  }

  emit(type) {
    if (type === "run" && !this.ready) return;
    this.dispatchEvent(new Event(type));
  }
}
