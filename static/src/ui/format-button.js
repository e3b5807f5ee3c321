// The editor footer's Format button and Shift-Alt-F: first-load code kept tiny, the formatter loads on first use
// (code-tools/format.js). In languages without a formatter the button stays, marked disabled, and says why.
import { Prec } from "@codemirror/state";
import { keymap } from "@codemirror/view";
import { ONLY_FORMATTED, canFormat } from "../code-tools/formattable.js";

const TITLE = "Format (Shift+Alt+F)";

export class FormatButton {
  /**
   * @param {{button: HTMLButtonElement, view: () => any, language: () => string, toast: {show: (text: string) => void},
   *   addLateExtension: (extension: any) => void}} parts `view()`: the EditorView, or null before it exists
   */
  constructor({ button, view, language, toast, addLateExtension }) {
    this.button = button;
    this.view = view;
    this.language = language;
    this.toast = toast;
    this.busy = false;
    button.addEventListener("click", () => this.format());
    const run = () => (this.format(), true);
    // The key by its name, and by its place where Alt makes another character (macOS: Shift-Option-F is "Ï").
    addLateExtension(Prec.high(keymap.of([
      { key: "Shift-Alt-f", run, preventDefault: true },
      { any: (_, event) => event.code === "KeyF" && event.altKey && event.shiftKey && !event.ctrlKey && !event.metaKey && run() },
    ])));
    this.refresh();
  }

  /** Shows whether the session's language (which may have changed) can be formatted. */
  refresh() {
    const formattable = canFormat(this.language());
    this.button.setAttribute("aria-disabled", String(!formattable));
    this.button.title = formattable ? TITLE : ONLY_FORMATTED;
  }

  async format() {
    const view = this.view();
    const language = this.language();
    if (!view || this.busy) return;
    if (!canFormat(language)) return this.toast.show(`${ONLY_FORMATTED}.`);
    this.busy = true;
    try {
      const { formatDocument } = await import("../code-tools/format.js");
      if (!(await formatDocument(view, language)).changed) this.toast.show("Already formatted.");
    } catch (error) {
      this.toast.show(error.message);
    }
    this.busy = false;
  }
}
