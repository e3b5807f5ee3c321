// The comments' first-load part: this tab's author key, the Comment button and Ctrl/Cmd-Alt-M, and the comment
// frames held until the threads' code (threads.js, panel.js) loads, with the Comments tab: when the first thread
// arrives or someone starts a comment.
import { keymap } from "@codemirror/view";

const HELD = new Set(["comment_threads", "comment_thread", "comment_removed"]);
const mac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** This tab's secret for `hello.author_key` (sessionStorage: a reload keeps it, another tab has its own). */
export function authorKey(sessionId) {
  const name = `interview-pad:author:${sessionId}`;
  try {
    const kept = sessionStorage.getItem(name);
    if (kept) return kept;
  } catch {
    // storage blocked: a key for this page only
  }
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  const key = btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
  try {
    sessionStorage.setItem(name, key);
  } catch {
    // as above
  }
  return key;
}

export class CommentsLoader {
  /** `page`: what the threads' code needs ({connection, collab, presence, info, toast, sessionId}). */
  constructor({ tabs, root, button, page }) {
    this.page = page;
    this.root = root;
    this.held = [];
    this.loaded = null; // Promise of the threads' panel once asked for
    this.anchors = null; // anchors.js, loaded with the threads (its editor field joins the editor then)
    this.started = false; // the threads' code listens itself from then on
    this.tabs = tabs;
    this.tab = null; // the Comments tab joins the column with the first thread or comment (a phone's row stays one)
    page.connection.addEventListener("message", (/** @type {CustomEvent} */ { detail }) => {
      if (this.started) return;
      if (detail.type === "welcome") this.held = []; // a reconnect: the threads come again
      if (!HELD.has(detail.type)) return;
      this.held.push(detail);
      if (detail.type !== "comment_threads" || detail.data.threads?.length) this.load();
    });
    this.button = button;
    button.setAttribute("aria-keyshortcuts", mac ? "Meta+Alt+M" : "Control+Alt+M");
    button.title = `Comment on the selected code (${mac ? "⌘⌥M" : "Ctrl+Alt+M"})`;
    button.addEventListener("click", () => this.compose());
    page.collab.parent.addEventListener("comment-open", (/** @type {CustomEvent} */ { detail }) =>
      this.load().then((threads) => threads?.open(detail)));
  }

  /** The editor's key for a new comment. */
  extension() {
    return keymap.of([{ key: "Mod-Alt-m", run: () => (this.compose(), true), preventDefault: true }]);
  }

  /** Starts a comment on the editor's selection (the threads' code loads first if it has not). */
  compose() {
    const view = this.page.collab.view;
    if (!view) return;
    const { from, to } = view.state.selection.main;
    this.load().then((threads) => threads?.compose(from, to));
  }

  load() {
    this.tab ??= this.tabs.registerPanel({ id: "comments", label: "Comments", order: 25, element: this.root });
    this.loaded ??= Promise.all([import("./threads.js"), import("./anchors.js")]).then(([{ startComments }, anchors]) => {
      this.anchors = anchors;
      this.page.addLateExtension(anchors.commentAnchors());
      this.started = true;
      return startComments({ ...this.page, anchors, tab: this.tab, root: this.root, held: this.held.splice(0) });
    })
      .catch((failure) => {
        this.loaded = null;
        this.page.toast.show(`Could not load the comments: ${failure.message}`);
        return null;
      });
    return this.loaded;
  }
}
