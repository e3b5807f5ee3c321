// The Comments tab: a form for a new comment on the selected code, and the threads, open ones first then the
// resolved, each with its code (a button that shows it in the editor), its comments, a reply box, edit and delete
// for one's own comments and resolve / reopen. Text is set with textContent only: comments come from other people.
const MAX_CHARS = 2000; // protocol.py MAX_COMMENT_CHARS
let panels = 0;

function el(tag, className = "", text = undefined) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(text, className = "button button-quiet button-small", label = "") {
  const node = el("button", className, text);
  node.type = "button";
  if (label) node.setAttribute("aria-label", label);
  return node;
}

function textBox(label, placeholder) {
  const box = el("textarea", "comment-input");
  Object.assign(box, { rows: 2, maxLength: MAX_CHARS, placeholder });
  box.setAttribute("aria-label", label);
  return box;
}

const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

export class CommentsPanel {
  constructor({ root, threads, tab, info, collab }) {
    this.root = root;
    this.threads = threads;
    this.tab = tab;
    this.info = info;
    this.collab = collab;
    this.id = `comments-${++panels}`;
    this.views = new Map(); // thread id -> {item, ...} kept across renders (a reply being typed stays)
    this.build();
    threads.addEventListener("change", (/** @type {CustomEvent} */ { detail }) => this.render(detail));
    info.addEventListener("change", () => { this.hostsOnly.hidden = !info.isHost; });
    this.render();
  }

  build() {
    const root = this.root;
    root.classList.add("comments-panel");
    root.setAttribute("aria-labelledby", `${this.id}-heading`);
    const header = el("div", "comments-header");
    const heading = el("h2", "comments-heading", "Comments");
    heading.id = `${this.id}-heading`;
    header.append(heading, el("p", "comments-hint", "Select code, then Comment, to start a thread on it."));

    this.form = el("form", "comment-composer");
    this.form.hidden = true;
    this.form.setAttribute("aria-label", "New comment");
    this.quote = el("pre", "comment-quote");
    this.input = textBox("Comment", "Your comment on the selected code…");
    this.hostsOnly = el("label", "comment-hosts-only");
    this.hostsBox = el("input");
    this.hostsBox.type = "checkbox";
    this.hostsOnly.append(this.hostsBox, document.createTextNode(" Hosts only"));
    this.hostsOnly.title = "Only hosts (interviewers) will see this thread";
    this.hostsOnly.hidden = !this.info.isHost;
    const send = el("button", "button button-primary button-small", "Add comment");
    send.type = "submit";
    const cancel = button("Cancel");
    cancel.addEventListener("click", () => this.closeComposer());
    const actions = el("div", "comment-actions");
    actions.append(this.hostsOnly, cancel, send);
    this.form.append(this.quote, this.input, actions);
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.input.value.trim();
      if (!text) return this.input.focus();
      if (this.threads.add(text, this.hostsBox.checked)) this.closeComposer(false);
    });
    this.input.addEventListener("keydown", (event) => this.submitOnModEnter(event, this.form));

    this.openList = el("ol", "comment-threads");
    this.openList.setAttribute("aria-label", "Open threads");
    this.empty = el("p", "comments-empty", "No open threads.");
    this.resolved = el("details", "comments-resolved");
    this.resolvedSummary = el("summary", "", "Resolved");
    this.resolvedList = el("ol", "comment-threads");
    this.resolvedList.setAttribute("aria-label", "Resolved threads");
    this.resolved.append(this.resolvedSummary, this.resolvedList);
    const body = el("div", "comments-body");
    body.append(this.form, this.openList, this.empty, this.resolved);
    root.append(header, body);
  }

  submitOnModEnter(event, form) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    } else if (event.key === "Escape" && form === this.form) {
      this.closeComposer();
    }
  }

  /** Opens the form for a comment on [from, to) of the editor's text. */
  compose(from, to) {
    this.tab.select();
    if (from === to) {
      this.threads.toast.show("Select the code you want to comment on first.");
      return;
    }
    this.threads.startDraft(from, to);
    this.quote.textContent = this.threads.draftText().slice(0, 400);
    this.form.hidden = false;
    this.hostsBox.checked = false;
    this.input.focus();
  }

  closeComposer(toEditor = true) {
    this.form.hidden = true;
    this.input.value = "";
    this.threads.cancelDraft();
    if (toEditor) this.collab.view?.focus();
  }

  /** Shows thread `id` in the list and its code in the editor. */
  open(id) {
    this.tab.select();
    const view = this.views.get(id);
    if (!view) return;
    if (view.item.parentElement === this.resolvedList) this.resolved.open = true;
    view.item.scrollIntoView({ block: "nearest" });
    this.threads.reveal(id);
  }

  render(changedId = null) {
    const threads = [...this.threads.threads.values()];
    for (const [id, view] of this.views) {
      if (!this.threads.threads.has(id)) {
        view.item.remove();
        this.views.delete(id);
      }
    }
    const open = threads.filter((thread) => !thread.resolved);
    const resolved = threads.filter((thread) => thread.resolved);
    for (const thread of threads) {
      if (changedId === null || changedId === thread.id || !this.views.has(thread.id)) this.renderThread(thread);
    }
    this.openList.replaceChildren(...open.map((thread) => this.views.get(thread.id).item));
    this.resolvedList.replaceChildren(...resolved.map((thread) => this.views.get(thread.id).item));
    this.empty.hidden = open.length > 0;
    this.resolved.hidden = resolved.length === 0;
    this.resolvedSummary.textContent = `Resolved (${resolved.length})`;
    if (changedId && !this.tab.selected) this.tab.attention("new comment");
  }

  renderThread(thread) {
    let view = this.views.get(thread.id);
    if (!view) {
      view = this.buildThread(thread.id);
      this.views.set(thread.id, view);
    }
    const { item, head, comments, resolve } = view;
    item.classList.toggle("comment-thread-resolved", thread.resolved);
    item.classList.toggle("comment-thread-hosts", thread.visibility === "hosts");
    const anchor = this.threads.anchor(thread.id);
    const line = anchor && this.collab.view ? this.collab.view.state.doc.lineAt(anchor.from).number : null;
    const collapsed = anchor ? anchor.from === anchor.to : thread.collapsed;
    item.setAttribute("aria-label", `Thread${line ? ` on line ${line}` : ""} by ${thread.comments[0]?.name ?? "someone"}`);
    const parts = [];
    if (collapsed) {
      parts.push(el("p", "comment-collapsed", "The code this was on was deleted"), el("pre", "comment-quote", thread.quote));
    } else {
      const show = button("", "comment-code");
      show.append(el("span", "comment-line", line ? `Line ${line}` : "Code"), el("code", "", thread.quote.split("\n")[0]));
      show.title = "Show it in the code";
      show.addEventListener("click", () => this.threads.reveal(thread.id));
      parts.push(show);
    }
    if (thread.visibility === "hosts") parts.push(el("span", "comment-badge", "Hosts only"));
    head.replaceChildren(...parts);
    comments.replaceChildren(...thread.comments.map((comment) => this.buildComment(thread, comment, view)));
    resolve.textContent = thread.resolved ? "Reopen" : "Resolve";
  }

  buildThread(id) {
    const item = el("li", "comment-thread");
    const head = el("div", "comment-thread-head");
    const comments = el("ol", "comment-list");
    const reply = el("form", "comment-reply");
    const input = textBox("Reply", "Reply…");
    const send = el("button", "button button-small", "Reply");
    send.type = "submit";
    const resolve = button("Resolve");
    resolve.addEventListener("click", () => this.threads.resolve(id, !this.threads.threads.get(id)?.resolved));
    const actions = el("div", "comment-actions");
    actions.append(resolve, send);
    reply.append(input, actions);
    reply.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (text && this.threads.reply(id, text)) input.value = "";
    });
    input.addEventListener("keydown", (event) => this.submitOnModEnter(event, reply));
    item.append(head, comments, reply);
    return { item, head, comments, resolve, editing: null, draft: undefined };
  }

  buildComment(thread, comment, view) {
    const item = el("li", "comment");
    item.style.setProperty("--person", comment.color || "var(--muted)");
    const meta = el("div", "comment-meta");
    const time = el("time", "comment-time", clock(comment.at));
    time.dateTime = new Date(comment.at).toISOString();
    meta.append(el("span", "comment-dot"), el("strong", "comment-name", comment.name), time);
    if (comment.edited_at) meta.append(el("span", "comment-edited", "edited"));
    item.append(meta);
    const own = this.threads.isOwn(comment);
    if (view.editing === comment.id) {
      const form = el("form", "comment-edit");
      const input = textBox("Edit comment", "");
      input.value = view.draft ?? comment.text; // what is being typed survives a re-render (a reply arriving)
      input.addEventListener("input", () => { view.draft = input.value; });
      const save = el("button", "button button-small", "Save");
      save.type = "submit";
      const cancel = button("Cancel");
      cancel.addEventListener("click", () => {
        view.editing = view.draft = null;
        this.renderThread(this.threads.threads.get(thread.id) ?? thread);
      });
      const actions = el("div", "comment-actions");
      actions.append(cancel, save);
      form.append(input, actions);
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const text = input.value.trim();
        if (!text || !this.threads.edit(thread.id, comment.id, text)) return;
        view.editing = view.draft = null;
        this.renderThread(this.threads.threads.get(thread.id) ?? thread);
      });
      input.addEventListener("keydown", (event) => this.submitOnModEnter(event, form));
      item.append(form);
      if (view.draft === undefined) {
        view.draft = null;
        queueMicrotask(() => input.focus()); // once, when the form opens
      }
      return item;
    }
    item.append(el("p", "comment-text", comment.text));
    if (own || this.info.isHost) {
      const tools = el("div", "comment-tools");
      if (own) {
        const edit = button("Edit", "button button-quiet button-small", `Edit your comment: ${comment.text.slice(0, 40)}`);
        edit.addEventListener("click", () => {
          view.editing = comment.id;
          view.draft = undefined;
          this.renderThread(this.threads.threads.get(thread.id) ?? thread);
        });
        tools.append(edit);
      }
      const remove = button("Delete", "button button-quiet button-small",
        `Delete ${own ? "your" : `${comment.name}'s`} comment: ${comment.text.slice(0, 40)}`);
      remove.addEventListener("click", () => this.threads.remove(thread.id, comment.id));
      tools.append(remove);
      meta.append(tools);
    }
    return item;
  }
}
