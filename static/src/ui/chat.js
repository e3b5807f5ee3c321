// The chat panel: messages with name and time, as text only; an unread count on its tab while you are away.
import * as protocol from "../protocol.js";

const MAX_SHOWN = 500;
const NEAR_BOTTOM_PX = 32;

export class Chat {
  /** `tab`: the chat's PanelHandle (ui/side-tabs.js), which shows the unread count and says when it is open. */
  constructor({ connection, presence, log, form, input, tab }) {
    this.connection = connection;
    this.presence = presence;
    this.log = log; // the message list
    this.input = input;
    this.tab = tab;
    this.unreadCount = 0;
    this.divider = null; // the "New" line above the first unread message
    this.items = new Map(); // message id -> its <li>, so a message shown once is never shown twice
    this.myIds = new Set(); // my participant ids, one per connection: my messages stay "You" after a reconnect
    this.joined = false; // a `history` arrived before: the next one is a reconnect's
    presence.addEventListener("me", (/** @type {CustomEvent} */ { detail }) => this.myIds.add(detail.id));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.send();
      }
    });
    input.addEventListener("input", () => this.fitInput());
    tab.addEventListener("select", () => this.opened());
    // Shown again (its tab chosen, the column unfolded): what is in view is read.
    new IntersectionObserver((entries) => entries.some((entry) => entry.isIntersecting) && this.maybeRead()).observe(log);
    log.addEventListener("scroll", () => this.maybeRead());
    document.addEventListener("visibilitychange", () => this.maybeRead());
    addEventListener("focus", () => this.maybeRead());
    connection.addEventListener("message", (/** @type {CustomEvent} */ { detail }) => this.onMessage(detail));
  }

  /** The chat is on screen: its tab is chosen and the column not folded. */
  get isOpen() {
    return this.tab.selected && this.log.offsetParent !== null;
  }

  opened() {
    this.log.scrollTop = this.log.scrollHeight;
    this.maybeRead();
  }

  onMessage({ type, data }) {
    if (type === "history") {
      this.merge(Array.isArray(data.chat) ? data.chat.filter((message) => message && typeof message === "object") : []);
    } else if (type === "chat" && data.message && typeof data.message === "object") {
      if (this.items.has(data.message.id)) return; // already had it from `history`
      this.add(data.message, !this.isMine(data.message));
    }
  }

  /**
   * Merges the last messages from `history` into those shown, by id: a reconnect keeps the older ones
   * and their "You", and inserts only those missed while away (news, unless on joining).
   */
  merge(messages) {
    const reconnect = this.joined;
    this.joined = true;
    const shown = messages.map((message) => this.items.get(message.id)).filter(Boolean);
    let next = shown[0] ?? null; // missed messages older than every shown one go before it
    for (const message of messages) {
      const item = this.items.get(message.id);
      if (item) {
        next = item.nextSibling;
        continue;
      }
      this.add(message, reconnect && !this.isMine(message), next);
    }
    if (!reconnect) this.log.scrollTop = this.log.scrollHeight;
  }

  isMine(message) {
    const me = this.presence.me?.id;
    return message.participant === me || this.myIds.has(message.participant);
  }

  /**
   * Shows one message, at the end or before `before`; `count` marks it unread if you are not looking
   * at the chat.
   */
  add(message, count, before = null) {
    const atBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < NEAR_BOTTOM_PX;
    const mine = this.isMine(message);
    const item = document.createElement("li");
    item.className = mine ? "chat-message mine" : "chat-message";
    const meta = document.createElement("div");
    meta.className = "chat-meta";
    const name = document.createElement("span");
    name.className = "chat-name";
    name.textContent = mine ? "You" : String(message.name ?? "Someone");
    name.style.color = message.color || "";
    const time = document.createElement("time");
    time.className = "chat-time";
    const sent = new Date(message.sent_at);
    if (!Number.isNaN(sent.getTime())) {
      time.dateTime = sent.toISOString();
      time.textContent = sent.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    }
    meta.append(name, time);
    const text = document.createElement("div");
    text.className = "chat-text";
    text.textContent = String(message.text ?? ""); // never HTML
    item.append(meta, text);
    const away = !this.isOpen || document.hidden || !atBottom;
    if (count && away) {
      if (!this.divider) {
        this.divider = document.createElement("li");
        this.divider.className = "chat-divider";
        this.divider.textContent = "New messages";
        this.log.insertBefore(this.divider, before);
      }
      this.unreadCount += 1;
      this.showUnread();
    }
    this.log.insertBefore(item, before);
    if (typeof message.id === "string") {
      item.dataset.messageId = message.id;
      this.items.set(message.id, item);
    }
    while (this.log.childElementCount > MAX_SHOWN) {
      const first = this.log.firstElementChild;
      if (first.dataset.messageId) this.items.delete(first.dataset.messageId);
      if (first === this.divider) this.divider = null;
      first.remove();
    }
    if (atBottom || mine) this.log.scrollTop = this.log.scrollHeight;
    this.maybeRead();
  }

  showUnread() {
    this.tab.badge(this.unreadCount);
  }

  /** Clears the unread marker once the chat is open, on screen and scrolled to its end. */
  maybeRead() {
    if (!this.unreadCount || !this.isOpen || document.hidden) return;
    const atBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < NEAR_BOTTOM_PX;
    if (atBottom) this.clearUnread(true);
  }

  clearUnread(keepDivider = false) {
    this.unreadCount = 0;
    this.showUnread();
    // The divider stays where it was until the next unread message moves it.
    if (!keepDivider) this.divider?.remove();
    if (keepDivider && this.divider) {
      const old = this.divider;
      this.divider = null;
      setTimeout(() => old.remove(), 4000);
    }
  }

  send() {
    const text = this.input.value.trim();
    if (!text) return;
    if (!this.connection.send(protocol.chat(text))) {
      this.input.setCustomValidity("Not connected: the message will be sendable once the connection is back.");
      this.input.reportValidity();
      setTimeout(() => this.input.setCustomValidity(""), 3000);
      return;
    }
    this.input.value = "";
    this.fitInput();
  }

  fitInput() {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight, 120)}px`;
  }
}
