// The "What's your name?" dialog: asked on the first visit, reopened to rename.
import { MAX_NAME_LENGTH } from "../protocol.js";

// Control characters and text-direction overrides: the server refuses names with them.
const UNWANTED = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** A display name as the server will keep it (trimmed, runs of spaces as one), or "" if none is left. */
export function cleanName(text) {
  return String(text ?? "").replace(UNWANTED, "").split(/\s+/).filter(Boolean).join(" ").slice(0, MAX_NAME_LENGTH).trim();
}

/** Events: `name` (detail: the chosen name). Closing it with Esc or "Not now" chooses nothing. */
export class NameDialog extends EventTarget {
  constructor(dialog) {
    super();
    this.dialog = dialog;
    const form = document.createElement("form");
    form.method = "dialog";
    form.className = "name-form";
    const title = document.createElement("h2");
    title.id = "name-dialog-title";
    title.className = "name-title";
    title.textContent = "What's your name?";
    const hint = document.createElement("p");
    hint.id = "name-dialog-hint";
    hint.className = "name-hint";
    hint.textContent = "The others see it in the list of participants and next to your cursor.";
    const label = document.createElement("label");
    label.className = "name-label";
    label.htmlFor = "name-input";
    label.textContent = "Your name";
    this.input = document.createElement("input");
    Object.assign(this.input, { id: "name-input", type: "text", required: true, maxLength: MAX_NAME_LENGTH, autocomplete: "nickname" });
    this.input.className = "name-input";
    this.input.setAttribute("aria-describedby", "name-dialog-hint");
    this.input.spellcheck = false;
    this.error = document.createElement("p");
    this.error.className = "name-error";
    this.error.setAttribute("aria-live", "polite");
    const actions = document.createElement("div");
    actions.className = "name-actions";
    this.cancel = document.createElement("button");
    this.cancel.type = "button";
    this.cancel.className = "button button-quiet";
    this.cancel.addEventListener("click", () => this.dialog.close());
    this.submit = document.createElement("button");
    this.submit.type = "submit";
    this.submit.className = "button button-primary";
    actions.append(this.cancel, this.submit);
    form.append(title, hint, label, this.input, this.error, actions);
    dialog.replaceChildren(form);
    dialog.setAttribute("aria-labelledby", "name-dialog-title");
    this.input.addEventListener("input", () => { this.error.textContent = ""; });
    form.addEventListener("submit", (event) => {
      const name = cleanName(this.input.value);
      if (!name) {
        event.preventDefault();
        this.error.textContent = "Please type a name (up to 40 characters).";
        this.input.focus();
        return;
      }
      this.dispatchEvent(new CustomEvent("name", { detail: name }));
    });
  }

  /** Opens the dialog; `current` prefills it (a rename), otherwise it is the first question. */
  open(current = "") {
    if (this.dialog.open) return;
    const renaming = Boolean(current);
    this.input.value = current;
    this.error.textContent = "";
    this.submit.textContent = renaming ? "Save" : "Join";
    this.cancel.textContent = renaming ? "Cancel" : "Not now";
    this.dialog.showModal();
    this.input.focus();
    this.input.select();
  }
}
