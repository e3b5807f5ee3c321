// The two kinds of participant the load generator drives, with one interface: connect() resolves once
// the client holds the document and has joined; type(char) appends one character as its own edit;
// text(); settled() (nothing of mine unconfirmed); close(). `onChange()` runs after every change of
// the document. `counters` tallies frames in and out.
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { cursor, hello } from "../../static/src/protocol.js";
import { HeadlessView, SyncClient } from "../../static/src/sync.js";

const CURSOR_THROTTLE_MS = 60; // as static/src/presence.js: the latest selection at most this often, trailing

/** This server's protocol through the page's own sync core (static/src/sync.js), on a `ws` socket. */
export class OursClient extends SyncClient {
  constructor({ url, name, cursors, counters, onChange }) {
    super({ connection: null });
    this.connection = this; // isOpen and send(text) below
    this.url = url;
    this.name = name;
    this.cursors = cursors;
    this.counters = counters;
    this.onChange = onChange;
    this.ws = null;
    this.open = false;
    this.me = null; // my participant id, from `welcome`
    this.cursorTimer = null;
    this.lastCursor = null;
    this.closedCode = null;
    this.errors = {};
    // A sync core that lets the selection ride on a push (cursorForPush) gets it as the page's presence gives
    // it; an older one leaves the cursor to follow as its own frame.
    this.cursorOnPush = cursors && "cursorForPush" in this;
    if (this.cursorOnPush) this.cursorForPush = (versionAfter) => this.selectionForPush(versionAfter);
  }

  /** As presence.js: my caret (the end of the text) rides on a push that leaves nothing unconfirmed. */
  selectionForPush(versionAfter) {
    if (!this.me) return null;
    const position = this.view.state.doc.length;
    const ranges = [{ anchor: position, head: position }];
    this.lastCursor = cursor(versionAfter, ranges); // so the confirmation sends no cursor frame for it
    clearTimeout(this.cursorTimer);
    this.cursorTimer = null;
    return ranges;
  }

  newView(state) {
    return new HeadlessView(state, () => {
      this.maybePush();
      this.onChange();
    });
  }

  get isOpen() {
    return this.open && this.ws.readyState === WebSocket.OPEN;
  }

  send(text) {
    if (!this.isOpen) return false;
    this.ws.send(text);
    this.counters.out++;
    return true;
  }

  connect() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url);
      this.ws = ws;
      let ready = false;
      const check = () => {
        if (!ready && this.view && this.me) {
          ready = true;
          resolve();
        }
      };
      this.addEventListener("ready", check);
      ws.on("open", () => {
        // As the page: the sync core hears of the open socket, then presence says hello.
        this.open = true;
        this.reset();
        this.send(hello(this.name));
      });
      ws.on("message", (data) => {
        this.counters.in++;
        const message = JSON.parse(data.toString());
        if (message.type === "welcome") {
          this.me = message.data.participant.id;
          check();
        } else if (message.type === "error") {
          const code = message.data.code ?? message.data.message;
          this.errors[code] = (this.errors[code] ?? 0) + 1;
        }
        const confirmedBefore = this.cursors && this.pendingCount();
        this.handle(message);
        // As the page: a confirmed push moves my cursor's version, so the selection is sent again.
        if (this.cursors && this.pendingCount() < confirmedBefore) this.sendCursorSoon();
      });
      ws.on("close", (code) => {
        this.open = false;
        this.closedCode = code;
        this.onClose(code);
        if (!ready) reject(new Error(`closed (${code}) before joining`));
      });
      ws.on("error", (error) => {
        if (!ready) reject(error);
      });
    });
  }

  type(char) {
    const length = this.view.state.doc.length;
    this.view.dispatch({ changes: { from: length, insert: char }, selection: { anchor: length + 1 } }); // pushes
    if (this.cursors) this.sendCursorSoon(); // the page: my selection moved
  }

  sendCursorSoon() {
    if (this.cursorTimer !== null) return;
    this.cursorTimer = setTimeout(() => {
      this.cursorTimer = null;
      if (!this.me || !this.isOpen || !this.caughtUp) return;
      if (this.cursorInFlight) return; // it rides on the push in flight (a core with cursorForPush)
      // The caret is at the end, after my unconfirmed text: in the synced document that is its end.
      const position = this.syncedDoc.length;
      const message = cursor(this.version, [{ anchor: position, head: position }]);
      if (message !== this.lastCursor && this.send(message)) this.lastCursor = message;
    }, CURSOR_THROTTLE_MS);
  }

  text() {
    return this.view ? this.view.state.doc.toString() : "";
  }

  get length() {
    return this.view ? this.view.state.doc.length : 0;
  }

  settled() {
    return this.isOpen && this.caughtUp && !this.inFlight && this.pendingCount() === 0;
  }

  get closed() {
    return this.closedCode !== null;
  }

  close() {
    clearTimeout(this.cursorTimer);
    clearTimeout(this.retryTimer);
    this.ws?.close();
  }
}

/** A `ws` WebSocket that counts frames, for the y-websocket provider. */
function countingSocket(counters) {
  return class extends WebSocket {
    constructor(...args) {
      super(...args);
      this.on("message", () => counters.in++);
    }

    send(data) {
      counters.out++;
      super.send(data);
    }
  };
}

/** A Yjs document through the `y-websocket` client (WebsocketProvider); cursors as y-codemirror.next sets them. */
export class YjsClient {
  constructor({ url, room, name, cursors, counters, onChange }) {
    this.url = url;
    this.room = room;
    this.name = name;
    this.cursors = cursors;
    this.counters = counters;
    this.onChange = onChange;
    this.doc = new Y.Doc();
    this.ytext = this.doc.getText("codemirror");
    this.provider = null;
    this.closedCode = null;
    this.errors = {};
  }

  connect() {
    return new Promise((resolve, reject) => {
      this.provider = new WebsocketProvider(this.url, this.room, this.doc, {
        WebSocketPolyfill: countingSocket(this.counters),
        disableBc: true, // in one process, BroadcastChannel would carry updates past the server
      });
      // As y-codemirror.next's demo: who I am, in the awareness state.
      this.provider.awareness.setLocalStateField("user", { name: this.name, color: "#30bced" });
      this.ytext.observe(() => this.onChange());
      const timer = setTimeout(() => reject(new Error("not synced in 60 s")), 60000);
      this.provider.on("sync", (synced) => {
        if (!synced) return;
        clearTimeout(timer);
        resolve();
      });
      this.provider.on("connection-close", (event) => {
        if (this.provider.shouldConnect) this.closedCode = event?.code ?? -1;
      });
    });
  }

  type(char) {
    const index = this.ytext.length;
    this.ytext.insert(index, char); // the provider sends the update at once
    if (this.cursors) this.updateCursor(index + 1);
  }

  /** As y-codemirror.next's remote-selections plugin after a local update: set the awareness cursor if moved. */
  updateCursor(position) {
    const awareness = this.provider.awareness;
    const current = awareness.getLocalState()?.cursor;
    const anchor = Y.createRelativePositionFromTypeIndex(this.ytext, position);
    const head = Y.createRelativePositionFromTypeIndex(this.ytext, position);
    if (current == null || !Y.compareRelativePositions(Y.createRelativePositionFromJSON(current.anchor), anchor)
      || !Y.compareRelativePositions(Y.createRelativePositionFromJSON(current.head), head)) {
      awareness.setLocalStateField("cursor", { anchor, head });
    }
  }

  text() {
    return this.ytext.toString();
  }

  get length() {
    return this.ytext.length;
  }

  settled() {
    // Yjs has no confirmation: sent is as settled as it gets once the socket is open and synced.
    return this.provider.wsconnected && this.provider.synced && this.provider.ws?.bufferedAmount === 0;
  }

  get closed() {
    return this.closedCode !== null;
  }

  close() {
    this.provider?.destroy();
    this.doc.destroy();
  }
}
