// Program input: the Input box read by input() / sys.stdin / prompt(), and the one-line field shown
// when a running program waits for typed input.

export class InputPanel extends EventTarget {
  /** Emits `line` (detail: the text typed at the prompt) and `end` (end of input: Ctrl+D). */
  constructor({ stdin, prompt }) {
    super();
    this.promptElement = prompt;
    const details = document.createElement("details");
    details.className = "stdin-box";
    const summary = document.createElement("summary");
    summary.textContent = "Input";
    const hint = document.createElement("span");
    hint.className = "stdin-hint";
    summary.append(hint);
    this.hint = hint;
    this.box = document.createElement("textarea");
    this.box.className = "stdin-text";
    this.box.rows = 3;
    this.box.spellcheck = false;
    this.box.setAttribute("aria-label", "Program input");
    this.describe({ reader: "input()", interactive: globalThis.crossOriginIsolated });
    this.box.addEventListener("input", () => this.showHint());
    details.append(summary, this.box);
    stdin.append(details);
    this.details = details;
    this.showHint();

    const label = document.createElement("label");
    label.className = "input-prompt-label";
    label.textContent = "The program is waiting for input:";
    this.field = document.createElement("input");
    this.field.type = "text";
    this.field.className = "input-prompt-field";
    this.field.setAttribute("aria-label", "Input for the program");
    this.field.autocomplete = "off";
    this.field.spellcheck = false;
    const send = document.createElement("button");
    send.type = "submit";
    send.className = "button";
    send.textContent = "Send line";
    const end = document.createElement("button");
    end.type = "button";
    end.className = "button button-quiet";
    end.textContent = "End of input";
    end.title = "Send end-of-file (Ctrl+D), as when input is piped from a file";
    end.addEventListener("click", () => this.endInput());
    this.field.addEventListener("keydown", (event) => {
      if (event.key === "d" && event.ctrlKey) {
        event.preventDefault();
        this.endInput();
      }
    });
    const form = document.createElement("form");
    form.className = "input-prompt-form";
    form.append(label, this.field, send, end);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const line = this.field.value;
      this.hidePrompt();
      this.dispatchEvent(new CustomEvent("line", { detail: line }));
    });
    prompt.append(form);
  }

  /** Says in the box what reads it and whether a program can ask for input while it runs. */
  describe({ reader, interactive }) {
    if (this.details) this.details.hidden = !reader; // a language that reads no input (SQL) has no Input box
    this.box.placeholder = `Lines typed here are read by ${reader}, one per call.` +
      (interactive ? " Left empty, the program asks while it runs." : "");
  }

  endInput() {
    this.hidePrompt();
    this.dispatchEvent(new Event("end"));
  }

  /** The Input box's text, each line ending in a newline. */
  text() {
    const text = this.box.value.replace(/\r\n?/g, "\n");
    return text && !text.endsWith("\n") ? `${text}\n` : text;
  }

  /** Shows the field for a line of typed input and focuses it. */
  showPrompt() {
    this.field.value = "";
    this.promptElement.hidden = false;
    this.field.focus();
  }

  hidePrompt() {
    this.promptElement.hidden = true;
  }

  showHint() {
    const lines = this.box.value.split("\n").filter((line, index, all) => line !== "" || index < all.length - 1).length;
    this.hint.textContent = lines ? ` · ${lines} ${lines === 1 ? "line" : "lines"}` : "";
  }
}
