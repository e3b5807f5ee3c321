// One person's editor settings (keymap, font size, tabs, wrapping, theme, completion, lint), kept in this
// browser's localStorage and applied to this page's editor only: nothing of them is sent to the server.
const STORAGE_KEY = "interview-pad:editor-settings";

/** Every setting: its default and the values it may take (anything else read from storage is dropped). */
export const SETTINGS = {
  keymap: { initial: "default", values: ["default", "vim", "emacs"] },
  fontSize: { initial: 14, values: [12, 13, 14, 15, 16, 18, 20, 22] },
  tabSize: { initial: "language", values: ["language", 2, 4, 8] },
  lineWrapping: { initial: false, values: [false, true] },
  theme: { initial: "system", values: ["system", "light", "dark"] },
  autocompletion: { initial: true, values: [true, false] },
  lint: { initial: true, values: [true, false] },
};

const darkQuery = matchMedia("(prefers-color-scheme: dark)");

/** The settings as stored, each checked against its values; fires "change" when they change here or in another tab. */
export class EditorSettings extends EventTarget {
  constructor(storage = browserStorage()) {
    super();
    this.storage = storage;
    this.values = this.read();
    applyTheme(this.values.theme);
    addEventListener("storage", (event) => {
      if (event.key === STORAGE_KEY) this.changed(this.read());
    });
    darkQuery.addEventListener("change", () => this.values.theme === "system" && this.changed(this.values));
  }

  read() {
    let stored = {};
    try {
      stored = JSON.parse(this.storage?.getItem(STORAGE_KEY) ?? "{}") ?? {};
    } catch {
      // unreadable: the defaults
    }
    return Object.fromEntries(Object.entries(SETTINGS).map(([name, { initial, values }]) =>
      [name, /** @type {unknown[]} */ (values).includes(stored[name]) ? stored[name] : initial]));
  }

  /** Changes some settings (unknown names and values are ignored) and keeps them for the next visit. */
  update(patch) {
    const next = { ...this.values };
    for (const [name, value] of Object.entries(patch)) if (/** @type {unknown[] | undefined} */ (SETTINGS[name]?.values)?.includes(value)) next[name] = value;
    try {
      this.storage?.setItem(STORAGE_KEY, JSON.stringify(next));
    } catch {
      // storage full or refused (a private window): the settings hold for this page
    }
    this.changed(next);
  }

  changed(values) {
    this.values = values;
    applyTheme(values.theme);
    this.dispatchEvent(new Event("change"));
  }

  /** Whether the page shows dark colours now (the theme setting, or the system's when it follows it). */
  get dark() {
    return this.values.theme === "dark" || (this.values.theme === "system" && darkQuery.matches);
  }
}

/** This origin's localStorage, or null where reading it throws (a sandboxed frame without its own origin). */
function browserStorage() {
  try {
    return globalThis.localStorage;
  } catch {
    return null;
  }
}

/** The page's colours: `data-theme` on <html> sets its color-scheme (style.css), "system" follows the OS. */
export function applyTheme(theme) {
  if (theme === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}
