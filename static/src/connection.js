// The session's WebSocket: decodes messages, reports status, reconnects with jittered backoff.
import { socketUrl, takeSocket } from "./early-socket.js";
import { CLOSE_SESSION_FULL, CLOSE_SESSION_NOT_FOUND, CLOSE_TOO_MANY_CONNECTIONS, decode } from "./protocol.js";

const BACKOFF_START_MS = 300;
const BACKOFF_CAP_MS = 5000;
const CONNECT_TIMEOUT_MS = 10000;
// Refused for now: wait this long, then try again (someone may have left, a tab may have closed).
const RETRY_LATER_MS = { [CLOSE_SESSION_FULL]: 10000, [CLOSE_TOO_MANY_CONNECTIONS]: 30000 };

export const STATUS = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  notFound: "Session not found",
  full: "Session is full — waiting for a place…",
  tooMany: "Too many connections from this network — retrying…",
};
const RETRY_STATUS = { [CLOSE_SESSION_FULL]: STATUS.full, [CLOSE_TOO_MANY_CONNECTIONS]: STATUS.tooMany };

/**
 * Events: `open` (socket open), `message` (detail: decoded {type, data}), `close` (detail: {code, reason}),
 * `status` (detail: one of STATUS's texts).
 */
export class Connection extends EventTarget {
  constructor(sessionId) {
    super();
    this.url = socketUrl(sessionId);
    this.socket = null;
    this.attempt = 0;
    this.timer = null;
    this.stopped = false;
    this.status = STATUS.connecting;
    addEventListener("online", () => this.reconnectNow());
    addEventListener("offline", () => this.goOffline());
  }

  /** Opens the socket (or waits for the network if the browser says it is offline). */
  start() {
    if (navigator.onLine === false) this.setStatus(STATUS.offline);
    else this.connect();
  }

  /** True while the socket is open. */
  get isOpen() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  /** Sends a text frame; returns false (and drops it) when the socket is not open. */
  send(text) {
    if (!this.isOpen) return false;
    this.socket.send(text);
    return true;
  }

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    // The first time, the socket start-runtime.js opened while the page loaded (with what it received).
    const early = takeSocket(this.url);
    const socket = early?.socket ?? new WebSocket(this.url);
    this.socket = socket;
    const connectTimer = setTimeout(() => socket.close(), CONNECT_TIMEOUT_MS);
    const handlers = {
      open: () => {
        clearTimeout(connectTimer);
        this.attempt = 0;
        this.dispatchEvent(new Event("open"));
      },
      message: (event) => {
        if (socket !== this.socket) return;
        const message = typeof event.data === "string" ? decode(event.data) : null;
        // The server accepted us once it sends the session (a refusal sends only an `error`, then closes).
        if (message?.type === "session_state" && this.status !== STATUS.connected) this.setStatus(STATUS.connected);
        if (message) this.dispatchEvent(new CustomEvent("message", { detail: message }));
        else console.warn("interview_server: ignored an unknown message", event.data);
      },
      close: (event) => {
        clearTimeout(connectTimer);
        if (socket !== this.socket) return;
        this.socket = null;
        this.dispatchEvent(new CustomEvent("close", { detail: { code: event.code, reason: event.reason } }));
        this.afterClose(event.code);
      },
    };
    for (const [type, handler] of Object.entries(handlers)) socket.addEventListener(type, handler);
    // Replayed after the caller's code, as events would come: the page finishes wiring itself first.
    if (early) queueMicrotask(() => early.events.forEach((event) => handlers[event.type]?.(event)));
  }

  afterClose(code) {
    if (code === CLOSE_SESSION_NOT_FOUND) {
      this.stopped = true;
      this.setStatus(STATUS.notFound);
    } else if (code in RETRY_LATER_MS) {
      this.setStatus(RETRY_STATUS[code]);
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.connect(), RETRY_LATER_MS[code] * (0.75 + Math.random() / 2));
    } else if (navigator.onLine === false) {
      this.setStatus(STATUS.offline);
    } else {
      this.setStatus(STATUS.reconnecting);
      this.scheduleReconnect();
    }
  }

  /** Full jitter: wait a random time up to min(cap, start * 2^attempt). */
  scheduleReconnect() {
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_START_MS * 2 ** this.attempt);
    this.attempt += 1;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), Math.random() * ceiling);
  }

  reconnectNow() {
    if (this.stopped || this.socket) return;
    this.attempt = 0;
    this.setStatus(STATUS.reconnecting);
    this.connect();
  }

  goOffline() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.setStatus(STATUS.offline);
    // A socket can linger after the network went away; drop it so `online` starts clean.
    if (this.socket) this.socket.close();
  }

  setStatus(status) {
    this.status = status;
    this.dispatchEvent(new CustomEvent("status", { detail: status }));
  }
}
