// The hosts' private notes: a Markdown textarea (with a preview) that saves itself after a pause, merges
// other hosts' saves into what you are typing (notes-merge.js), and keeps text typed offline until saved.
// The Markdown renderer is loaded the first time the preview shows.
import { mapPosition, mergeNotes, spliceOf } from "../notes-merge.js";
import * as protocol from "../protocol.js";
import { MAX_NOTES_LENGTH } from "../protocol.js";

const STATES = {
  loading: ["Loading…", "busy"],
  saved: ["Saved", "ok"],
  saving: ["Saving…", "busy"],
  offline: ["Not saved yet: offline", "warn"],
  refused: ["Not saved: the server refused these notes", "error"],
  paused: ["Not saved yet: the server is reconnecting to its storage", "warn"],
};
const STORE_RETRY_MS = 2000; // a save refused with store_unavailable is tried again after this
// Control characters (but tab and newline) and text-direction overrides: the server refuses notes with them.
const UNWANTED = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
let panels = 0; // for unique element ids

/** Events: `status` (detail: {state: "loading" | "saved" | "saving" | "offline" | "refused", text}). */
export class NotesPanel extends EventTarget {
  constructor({ root, connection, debounceMs = 600 }) {
    super();
    this.root = root;
    this.connection = connection;
    this.debounceMs = debounceMs; // quiet time after typing before a save
    this.base = { text: "", version: 0 }; // the notes as the server last confirmed them
    this.loaded = false; // a `notes` message arrived: `base` is the server's
    this.sent = null; // {text, version} of my last save until the next `notes` (an ancestor of what I type)
    this.inFlight = false; // one save at a time
    this.timer = null;
    this.online = connection.isOpen ?? true;
    this.state = null;
    this.build();
    this.handlers = {
      message: ({ detail }) => {
        if (detail?.type === "notes") this.receive(detail.data ?? {});
        else if (detail?.type === "error" && detail.data?.code === "notes_rejected") this.refused();
        else if (detail?.type === "error" && detail.data?.code === "store_unavailable" &&
          String(detail.data.message).startsWith("set_notes:")) this.storeUnavailable();
      },
      open: () => this.setOnline(true),
      close: () => this.setOnline(false),
    };
    for (const [type, handler] of Object.entries(this.handlers)) connection.addEventListener(type, handler);
    this.updateStatus();
  }

  build() {
    const doc = this.root.ownerDocument;
    const make = (tag, className, text) => {
      const element = doc.createElement(tag);
      element.className = className;
      if (text) element.textContent = text;
      return element;
    };
    const id = `notes-${++panels}`;
    this.root.classList.add("notes-panel");
    this.root.setAttribute("aria-labelledby", `${id}-heading`);
    const heading = make("h2", "notes-heading", "Private notes");
    heading.id = `${id}-heading`;
    const hint = make("p", "notes-hint", "Only hosts see these");
    hint.id = `${id}-hint`;
    const title = make("div", "notes-title");
    title.append(heading, hint);
    this.status = make("div", "notes-status status");
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-label", "Notes status");
    this.statusText = make("span", "status-text");
    this.status.append(this.statusText);
    this.toggle = make("button", "notes-toggle button", "Preview");
    this.toggle.type = "button";
    const header = make("div", "notes-header");
    header.append(title, this.toggle);
    const footer = make("div", "notes-footer");
    footer.append(this.status);
    this.textarea = make("textarea", "notes-input");
    this.textarea.setAttribute("aria-label", "Private notes");
    this.textarea.setAttribute("aria-describedby", hint.id);
    this.textarea.placeholder = "Markdown: strengths, concerns, follow-ups…";
    this.textarea.maxLength = MAX_NOTES_LENGTH;
    this.textarea.spellcheck = true;
    this.preview = make("div", "notes-preview rendered-markdown");
    this.preview.setAttribute("role", "region");
    this.preview.setAttribute("aria-label", "Notes preview");
    this.preview.tabIndex = 0;
    this.preview.hidden = true;
    this.root.append(header, this.textarea, this.preview, footer);

    this.textarea.addEventListener("input", () => this.schedule());
    this.textarea.addEventListener("blur", () => this.save());
    this.textarea.addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key === "s") {
        event.preventDefault(); // the browser's "save page" is never what is meant here
        this.save();
      }
    });
    this.toggle.addEventListener("click", () => this.setPreview(this.preview.hidden));
  }

  /** The text in the box (saved or not). */
  get text() {
    return this.textarea.value;
  }

  /** True when the server has everything typed. */
  get isSaved() {
    return this.loaded && this.textarea.value === this.base.text;
  }

  setReadOnly(readOnly) {
    this.textarea.readOnly = readOnly;
    this.root.classList.toggle("read-only", readOnly);
  }

  setPreview(on) {
    this.preview.hidden = !on;
    if (on) this.renderPreview();
    this.textarea.hidden = on;
    this.toggle.textContent = on ? "Edit" : "Preview";
    if (!on) this.textarea.focus();
  }

  /** Renders the text into the preview once the renderer is loaded, unless the text changed meanwhile. */
  renderPreview() {
    const doc = this.root.ownerDocument;
    const text = this.textarea.value;
    if (!text.trim()) {
      const empty = doc.createElement("p");
      empty.className = "notes-empty";
      empty.textContent = "Nothing written yet.";
      this.preview.replaceChildren(empty);
      return;
    }
    import("../markdown.js").then(
      ({ renderMarkdown }) => renderMarkdown(text, doc),
      () => doc.createTextNode(text),
    ).then((content) => {
      if (this.textarea.value === text && !this.preview.hidden) this.preview.replaceChildren(content);
    });
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save(), this.debounceMs);
    this.updateStatus();
  }

  /** Sends the text if it differs from the server's and no save is in flight (the answer triggers the next). */
  save() {
    clearTimeout(this.timer);
    this.timer = null;
    const text = this.textarea.value.replace(UNWANTED, "");
    if (this.loaded && !this.inFlight && text !== this.base.text) {
      const sent = { text, version: this.base.version };
      if (this.connection.send(protocol.setNotes(sent.text, sent.version))) {
        this.sent = sent;
        this.inFlight = true;
      } else {
        this.online = false;
      }
    }
    this.updateStatus();
  }

  /** A `notes` message: the answer to my save, another host's save, a refusal (the current notes) or a hello's. */
  receive(data) {
    const incoming = { text: typeof data.text === "string" ? data.text : "", version: Number(data.version) || 0 };
    // My sent text is what I have typed on top of: if the server holds exactly it, nothing needs merging.
    const mine = this.sent !== null && incoming.text === this.sent.text;
    const merged = mine ? this.textarea.value : mergeNotes(this.base.text, this.textarea.value, incoming.text);
    this.base = incoming;
    this.sent = null;
    this.inFlight = false;
    this.loaded = true;
    if (merged !== this.textarea.value) this.replaceText(merged);
    if (!this.preview.hidden) this.renderPreview();
    if (merged !== incoming.text) this.schedule();
    else this.updateStatus();
  }

  /** The server refused my save (too long, or characters it does not keep): say so; the next edit tries again. */
  refused() {
    this.inFlight = false;
    this.sent = null;
    this.showState("refused");
  }

  /** The server could not reach its storage: nothing was saved; the text stays here and is sent again soon. */
  storeUnavailable() {
    this.inFlight = false;
    this.sent = null;
    this.showState("paused");
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save(), STORE_RETRY_MS);
  }

  /** Puts `text` in the box, changing only what differs, with the selection mapped through the change. */
  replaceText(text) {
    const box = this.textarea;
    const { selectionStart, selectionEnd, selectionDirection, scrollTop } = box;
    const splice = spliceOf(box.value, text);
    box.setRangeText(splice.insert, splice.from, splice.to);
    box.setSelectionRange(mapPosition(splice, selectionStart), mapPosition(splice, selectionEnd), selectionDirection);
    box.scrollTop = scrollTop;
  }

  setOnline(online) {
    this.online = online;
    // After a (re)connection the server sends the notes after hello; that answer merges and saves.
    this.inFlight = false;
    this.updateStatus();
  }

  updateStatus() {
    const dirty = this.textarea.value !== this.base.text;
    let state = this.loaded ? "saved" : "loading";
    if (dirty) state = this.online ? "saving" : "offline";
    this.showState(state);
  }

  showState(state) {
    if (state === this.state) return;
    this.state = state;
    const [text, tone] = STATES[state];
    this.statusText.textContent = text;
    this.status.dataset.tone = tone;
    this.root.dataset.state = state;
    this.dispatchEvent(new CustomEvent("status", { detail: { state, text } }));
  }

  destroy() {
    clearTimeout(this.timer);
    for (const [type, handler] of Object.entries(this.handlers)) this.connection.removeEventListener(type, handler);
    this.root.replaceChildren();
    this.root.classList.remove("notes-panel", "read-only");
    this.root.removeAttribute("aria-labelledby");
    delete this.root.dataset.state;
  }
}
