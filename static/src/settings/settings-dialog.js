// The editor settings dialog: each change applies at once to this person's editor and is kept in this browser.
import { SETTINGS } from "./editor-settings.js";

const CHOICES = [
  { name: "keymap", label: "Keys", options: { default: "Standard", vim: "Vim", emacs: "Emacs" } },
  { name: "fontSize", label: "Font size", options: Object.fromEntries(SETTINGS.fontSize.values.map((size) => [size, `${size} px`])) },
  { name: "tabSize", label: "Indentation",
    options: { language: "Language default", 2: "2 spaces", 4: "4 spaces", 8: "8 spaces" } },
  { name: "theme", label: "Theme", options: { system: "Follow the system", light: "Light", dark: "Dark" } },
];
const SWITCHES = [
  { name: "lineWrapping", label: "Wrap long lines" },
  { name: "autocompletion", label: "Suggest completions as I type" },
  { name: "lint", label: "Underline problems in the code" },
];

/** Builds the dialog once; `open()` shows it with the settings as they are now. */
export class SettingsDialog {
  constructor(settings) {
    this.settings = settings;
    this.dialog = element("dialog", "name-dialog settings-dialog");
    this.dialog.setAttribute("aria-labelledby", "settings-title");
    const form = element("form", "name-form settings-form");
    form.method = "dialog";
    const title = element("h2", "name-title", "Editor settings");
    title.id = "settings-title";
    const hint = element("p", "name-hint", "Yours only: kept in this browser, never sent to the others in the session.");
    this.fields = new Map();
    form.append(title, hint);
    for (const { name, label, options } of CHOICES) {
      const select = element("select", "name-input");
      select.id = `setting-${name}`;
      for (const [value, text] of Object.entries(options)) select.append(new Option(text, value));
      select.addEventListener("change", () => this.update(name, select.value));
      this.fields.set(name, select);
      const caption = element("label", "name-label", label);
      caption.htmlFor = select.id;
      const row = element("div", "settings-row");
      row.append(caption, select);
      form.append(row);
    }
    for (const { name, label } of SWITCHES) {
      const checkbox = element("input");
      checkbox.type = "checkbox";
      checkbox.addEventListener("change", () => this.update(name, checkbox.checked));
      this.fields.set(name, checkbox);
      const row = element("label", "settings-switch");
      row.append(checkbox, label);
      form.append(row);
    }
    const actions = element("div", "name-actions");
    actions.append(element("button", "button button-primary", "Done"));
    form.append(actions);
    this.dialog.append(form);
    document.body.append(this.dialog);
    settings.addEventListener("change", () => this.show()); // another tab changed them
  }

  open() {
    this.show();
    this.dialog.showModal();
  }

  /** The fields as the settings are now. */
  show() {
    for (const [name, field] of this.fields) {
      if (field.type === "checkbox") field.checked = this.settings.values[name];
      else field.value = String(this.settings.values[name]);
    }
  }

  update(name, value) {
    // A select gives text: the setting's own value (a number for sizes) is the one with that text.
    const typed = SETTINGS[name].values.find((candidate) => String(candidate) === String(value));
    this.settings.update({ [name]: typed });
  }
}

function element(tag, className = "", text = "") {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}
