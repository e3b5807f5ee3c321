// The side column's tabs (WAI-ARIA tabs): Output, Chat, the hosts' Notes, and any later panel, each joining with
// one registerPanel() call. A tab carries a badge (unread count) or an attention dot (news while it is hidden);
// Alt+Shift+1…9 select the tabs in their order (no clash with the browser's Ctrl/Alt+digit tab switching, nor with
// AltGr characters, nor with CodeMirror's keys); arrow keys move between tabs.

const mac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/**
 * One panel of the column. Events: `select` when its tab is chosen, `deselect` when another is.
 */
export class PanelHandle extends EventTarget {
  constructor(tabs, { id, label, order, hostOnly }, tab, panel) {
    super();
    this.tabs = tabs;
    this.id = id;
    this.label = label;
    this.order = order;
    this.hostOnly = hostOnly;
    this.tab = tab;
    this.panel = panel;
    this.count = 0; // the badge's number (0: none)
    this.text = ""; // the badge's text when it is not a number
    this.news = ""; // what the attention dot says ("" when off)
  }

  /** True while this panel is the one shown. */
  get selected() {
    return this.tabs.current === this;
  }

  /** Shows `value` on the tab: a number of unread items (0 or null clears it), or a short text. */
  badge(value) {
    this.count = typeof value === "number" && value > 0 ? value : 0;
    this.text = typeof value === "string" ? value : "";
    this.tabs.paint(this);
    return this;
  }

  /** A dot saying something new happened here (`what`, e.g. "new output"), cleared when the tab is chosen. */
  attention(what = "new") {
    if (this.selected) return this;
    this.news = what;
    this.tabs.paint(this);
    return this;
  }

  /** Shows this panel; `focus` also moves the keyboard focus to its tab. */
  select({ focus = false } = {}) {
    this.tabs.select(this, focus);
    return this;
  }
}

export class SideTabs extends EventTarget {
  /** `list`: the element that becomes the tablist; `panels`: where the tab panels go. Events: `change`. */
  constructor({ list, panels, label = "Side panels", storage = "interview-pad:side-tab" }) {
    super();
    this.list = list;
    this.panels = panels;
    this.storage = storage;
    this.handles = [];
    this.current = null;
    this.host = false; // hostOnly panels show once the server welcomes this page as a host
    list.setAttribute("role", "tablist");
    list.setAttribute("aria-label", label);
    list.addEventListener("keydown", (event) => this.onListKey(event));
    addEventListener("keydown", (event) => this.onShortcut(event));
  }

  /**
   * Adds a panel: `element` is its content (moved into a tab panel); `order` sorts the tabs; `hostOnly` panels
   * show only to hosts. Returns its PanelHandle.
   * @param {{id: string, label: string, element: HTMLElement, order?: number, hostOnly?: boolean}} panel
   */
  registerPanel({ id, label, element, order = 100, hostOnly = false }) {
    const doc = this.list.ownerDocument;
    const tab = doc.createElement("button");
    tab.type = "button";
    tab.id = `tab-${id}`;
    tab.className = "side-tab";
    tab.setAttribute("role", "tab");
    tab.setAttribute("aria-controls", `panel-${id}`);
    const name = doc.createElement("span");
    name.className = "side-tab-label";
    name.textContent = label;
    const badge = doc.createElement("span");
    badge.className = "side-tab-badge";
    badge.setAttribute("aria-hidden", "true"); // the tab's aria-label says it in words
    badge.hidden = true;
    tab.append(name, badge);
    const panel = doc.createElement("div");
    panel.id = `panel-${id}`;
    panel.className = "side-panel";
    panel.setAttribute("role", "tabpanel");
    panel.setAttribute("aria-labelledby", tab.id);
    element.hidden = false;
    panel.append(element);
    const handle = new PanelHandle(this, { id, label, order, hostOnly }, tab, panel);
    tab.addEventListener("click", () => this.select(handle, false));
    this.handles.push(handle);
    this.handles.sort((a, b) => a.order - b.order);
    this.layout();
    if (!this.current || (this.remembered() === id && this.visible(handle))) this.select(handle, false, false);
    else this.show();
    return handle;
  }

  /** Whether hostOnly panels may show (true once this page is a host's). */
  setHost(host) {
    this.host = host;
    this.layout();
    if (this.current && !this.visible(this.current)) this.select(this.handles.find((h) => this.visible(h)), false);
  }

  visible(handle) {
    return !handle.hostOnly || this.host;
  }

  /** Puts the tabs and panels in order, numbers their shortcuts and hides the panels not for this person. */
  layout() {
    let number = 0;
    for (const handle of this.handles) {
      const shown = this.visible(handle);
      handle.tab.hidden = !shown;
      this.list.append(handle.tab);
      if (shown) this.panels.append(handle.panel);
      else handle.panel.remove(); // never in the page of someone it is not for
      handle.shortcut = shown && number < 9 ? ++number : null;
      this.paint(handle);
    }
  }

  /** Writes a tab's badge, its accessible name ("Chat, 2 unread") and its shortcut. */
  paint(handle) {
    const { tab, count, text, news, shortcut } = handle;
    const badge = /** @type {HTMLElement} */ (tab.querySelector(".side-tab-badge"));
    badge.hidden = !count && !text && !news;
    badge.textContent = count ? String(count) : text;
    badge.classList.toggle("side-tab-dot", !count && !text && Boolean(news));
    const said = count ? `${count} unread` : text || news;
    tab.setAttribute("aria-label", said ? `${handle.label}, ${said}` : handle.label);
    if (shortcut) {
      tab.setAttribute("aria-keyshortcuts", `Alt+Shift+${shortcut}`);
      tab.title = `${handle.label} (${mac ? "⌥⇧" : "Alt+Shift+"}${shortcut})`;
    } else {
      tab.removeAttribute("aria-keyshortcuts");
      tab.title = handle.label;
    }
  }

  select(handle, focus, remember = true) {
    if (!handle || !this.visible(handle)) return;
    const previous = this.current;
    this.current = handle;
    handle.news = "";
    this.show();
    if (focus) handle.tab.focus();
    if (remember) this.remember(handle.id);
    if (previous !== handle) {
      previous?.dispatchEvent(new Event("deselect"));
      handle.dispatchEvent(new Event("select"));
      this.dispatchEvent(new CustomEvent("change", { detail: handle.id }));
    }
  }

  show() {
    for (const handle of this.handles) {
      const on = handle === this.current;
      handle.tab.setAttribute("aria-selected", String(on));
      handle.tab.tabIndex = on ? 0 : -1;
      handle.panel.hidden = !on;
      this.paint(handle);
    }
  }

  /** The panel with `id` (or undefined). */
  panel(id) {
    return this.handles.find((handle) => handle.id === id);
  }

  onListKey(event) {
    const shown = this.handles.filter((handle) => this.visible(handle));
    const at = shown.indexOf(this.current);
    const next = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: shown.length - 1 }[event.key];
    if (next === undefined || at < 0) return;
    event.preventDefault();
    this.select(shown[(next + shown.length) % shown.length], true);
  }

  onShortcut(event) {
    if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey) return;
    const digit = /^Digit([1-9])$/.exec(event.code)?.[1];
    const handle = digit && this.handles.find((h) => h.shortcut === Number(digit));
    if (!handle) return;
    event.preventDefault();
    this.select(handle, false);
    this.dispatchEvent(new CustomEvent("shortcut", { detail: handle.id }));
  }

  remembered() {
    try {
      return localStorage.getItem(this.storage);
    } catch {
      return null;
    }
  }

  remember(id) {
    try {
      localStorage.setItem(this.storage, id);
    } catch {
      // storage blocked: the choice lasts for this page
    }
  }
}
