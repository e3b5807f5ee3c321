// The "Code | Draw" switch over the editor (first load: small). The whiteboard's code (board/board.js and
// perfect-freehand) loads when Draw is first opened; until then its updates are only noticed (the dot on Draw):
// the board pulls the whole drawing when it opens.

/** Events: `board` (detail: the Board, once loaded). */
export class BoardTab extends EventTarget {
  constructor({ tabs, codeTab, drawTab, editor, panel, connection, presence, info, toast, ask }) {
    super();
    this.codeTab = codeTab;
    this.drawTab = drawTab;
    this.editor = editor;
    this.panel = panel;
    this.connection = connection;
    this.presence = presence;
    this.info = info;
    this.toast = toast;
    this.ask = ask;
    this.board = null;
    this.loading = null;
    this.showing = "code";
    codeTab.addEventListener("click", () => this.show("code"));
    drawTab.addEventListener("click", () => this.show("draw"));
    tabs.addEventListener("keydown", (event) => {
      if (!["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
      event.preventDefault();
      const next = event.key === "Home" ? "code" : event.key === "End" ? "draw" : this.showing === "code" ? "draw" : "code";
      this.show(next);
      (next === "code" ? codeTab : drawTab).focus();
    });
    // Someone else changed the board while I look at the code: a dot on Draw.
    connection.addEventListener("message", (/** @type {CustomEvent} */ { detail: { type, data } }) => {
      if (type !== "board_updates" || this.showing === "draw" || !Array.isArray(data.updates)) return;
      if (data.updates.some((update) => update?.participant !== presence.me?.id)) this.setNews(true);
    });
  }

  /** Shows the code ("code") or the board ("draw"); the editor stays as it is while hidden. */
  show(which) {
    this.showing = which;
    const draw = which === "draw";
    this.codeTab.setAttribute("aria-selected", String(!draw));
    this.drawTab.setAttribute("aria-selected", String(draw));
    this.codeTab.tabIndex = draw ? -1 : 0;
    this.drawTab.tabIndex = draw ? 0 : -1;
    this.editor.hidden = draw;
    this.panel.hidden = !draw;
    if (draw) this.setNews(false);
    if (draw) this.load().then((board) => board?.setVisible(this.showing === "draw"));
    else this.board?.setVisible(false);
  }

  /** The dot on Draw, and its words for screen readers ("Draw, changed"). */
  setNews(news) {
    this.drawTab.classList.toggle("has-news", news);
    /** @type {HTMLElement} */ (this.drawTab.querySelector(".pane-switch-news")).hidden = !news;
  }

  /** The board, loaded once (null if it could not load: a later Draw tries again). */
  load() {
    this.loading ??= import("./board/board.js").then(({ Board }) => {
      this.panel.replaceChildren();
      this.board = new Board({ root: this.panel, connection: this.connection, info: this.info, presence: this.presence, toast: this.toast,
        ask: this.ask });
      this.dispatchEvent(new CustomEvent("board", { detail: this.board }));
      return this.board;
    }).catch((failure) => {
      this.loading = null;
      this.panel.textContent = `Could not load the whiteboard: ${failure.message}`;
      return null;
    });
    return this.loading;
  }
}
