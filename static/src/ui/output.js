// The output panel: one block per run (whose, which version, its output, how it ended), text nodes only.

const STICK_TO_BOTTOM_PX = 24;

/** Events: `run` (detail: {mine, earlier}) when a run's block starts. */
export class OutputPanel extends EventTarget {
  constructor(pre, clearButton) {
    super();
    this.pre = pre;
    clearButton.addEventListener("click", () => this.clear());
  }

  /**
   * Starts a block for a run and returns it. `who` is "You" or a name; `color` the person's colour;
   * `details` e.g. "version 12 · Python · 19:40:02"; `mine`: this page's run; `earlier`: a past run shown on joining.
   */
  startRun({ who, color, details, mine = false, earlier = false }) {
    const block = document.createElement("span");
    block.className = "run";
    const header = document.createElement("span");
    header.className = "run-header";
    const dot = document.createElement("span");
    dot.className = "run-dot";
    dot.style.background = color || "var(--muted)";
    const name = document.createElement("strong");
    name.textContent = who;
    header.append(dot, name, document.createTextNode(` ran ${details}\n`));
    block.append(header);
    this.keepBottom(() => this.pre.append(block));
    this.dispatchEvent(new CustomEvent("run", { detail: { mine, earlier } }));
    return new RunBlock(block, this);
  }

  /** A note outside any run (e.g. "The document was reset by the server…"). */
  system(text) {
    this.keepBottom(() => {
      const span = document.createElement("span");
      span.className = "system";
      span.textContent = `${text}\n`;
      this.pre.append(span);
    });
  }

  /** Runs `change` and keeps the panel scrolled to the end if it was there. */
  keepBottom(change) {
    const atBottom = this.pre.scrollHeight - this.pre.scrollTop - this.pre.clientHeight < STICK_TO_BOTTOM_PX;
    change();
    if (atBottom) this.pre.scrollTop = this.pre.scrollHeight;
  }

  clear() {
    this.pre.replaceChildren();
  }
}

/** The output of one run, in order: stdout, stderr and system lines as separate spans. */
class RunBlock {
  constructor(element, panel) {
    this.element = element;
    this.panel = panel;
  }

  /** Removes everything below the header (to show the run again from a fuller copy of its output). */
  reset() {
    this.omittedLine = null;
    this.panel.keepBottom(() => this.element.replaceChildren(this.element.firstChild));
  }

  /** A line under the header: the first `count` characters of the output are not shown (only its end came). */
  omitted(count) {
    const line = document.createElement("span");
    line.className = "system run-omitted";
    this.omittedNote = document.createTextNode(`Earlier output not shown (${count.toLocaleString("en-US")} characters)`);
    line.append(this.omittedNote, document.createTextNode("\n"));
    this.omittedLine = line;
    this.panel.keepBottom(() => this.element.firstChild.after(line));
  }

  /** Adds "Show all output" to the omitted line; `showAll()` (async) redraws the block, or throws to say why not. */
  offerAll(showAll) {
    const line = this.omittedLine;
    if (!line || line.querySelector("button")) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button-quiet run-show-all";
    button.textContent = "Show all output";
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await showAll();
      } catch (error) {
        this.omittedNote.data = `Could not load the whole output (${error?.message ?? error}); try again`;
        button.disabled = false;
      }
    });
    line.lastChild.before(document.createTextNode(" "), button);
  }

  /** Appends a chunk of `stream` ("stdout", "stderr" or "system") output. */
  append(stream, text) {
    if (stream === "system") this.system(text);
    else this.write(stream, text);
  }

  /** A line of its own such as "— finished in 12 ms —". */
  system(text) {
    const last = this.element.lastChild;
    if (last && last.className !== "system" && last.className !== "run-header" && !last.textContent.endsWith("\n")) {
      this.write(last.className, "\n");
    }
    this.write("system", `${text}\n`, true);
  }

  write(className, text, separate = false) {
    this.panel.keepBottom(() => {
      const last = this.element.lastChild;
      if (!separate && last && last.className === className) {
        last.firstChild.appendData(text);
      } else {
        const span = document.createElement("span");
        span.className = className;
        span.append(document.createTextNode(text));
        this.element.append(span);
      }
    });
  }
}
