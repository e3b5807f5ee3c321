// The output panel: stdout, stderr and system lines, in order, as text nodes only.

const STICK_TO_BOTTOM_PX = 24;

export class OutputPanel {
  constructor(pre, clearButton) {
    this.pre = pre;
    clearButton.addEventListener("click", () => this.clear());
  }

  /** Appends a chunk of `stream` ("stdout", "stderr" or "system") output. */
  append(stream, text) {
    if (stream === "system") {
      this.system(text);
      return;
    }
    this.write(stream, text);
  }

  /** Appends a small system line such as "— finished in 12 ms —". */
  system(text) {
    const last = this.pre.lastChild;
    if (last && last.className !== "system" && !last.textContent.endsWith("\n")) this.write(last.className, "\n");
    this.write("system", `${text}\n`, true);
  }

  write(className, text, separate = false) {
    const atBottom = this.pre.scrollHeight - this.pre.scrollTop - this.pre.clientHeight < STICK_TO_BOTTOM_PX;
    const last = this.pre.lastChild;
    if (!separate && last && last.className === className) {
      last.firstChild.appendData(text);
    } else {
      const span = document.createElement("span");
      span.className = className;
      span.append(document.createTextNode(text));
      this.pre.append(span);
    }
    if (atBottom) this.pre.scrollTop = this.pre.scrollHeight;
  }

  clear() {
    this.pre.replaceChildren();
  }
}
