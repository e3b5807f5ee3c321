// The page's own sync core (real @codemirror/collab) in Node: clients that type, lose their server, reconnect by
// themselves and re-send what was not confirmed. Client i owns line i of the document ("c<i>:")
// and appends tokens " <i>.<n>" to it, so the final line i must equal "c<i>:" plus every token it
// typed, in order: nothing lost, nothing doubled.
// Usage: node --experimental-websocket tests/node/typists.mjs WS_URL[,WS_URL...] CLIENTS SECONDS INTERVAL_MS
// Client i starts on the i-th URL (round robin) and tries the next one each time it reconnects.
// After typing it waits for a line (or EOF) on stdin, then settles and prints one JSON line: {settled, lines: [expected line i], docs: [each client's text], acked, typed, wentBack, paused}.
import { pull } from "../../static/src/protocol.js";
import { SyncClient } from "../../static/src/sync.js";

const [urlList, clientCount, seconds, intervalMs] = process.argv.slice(2);
const urls = urlList.split(",");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The page's sync core (static/src/sync.js) around a headless view, with the page's reconnecting socket. */
class Typist extends SyncClient {
  constructor(index) {
    super({ connection: null });
    this.connection = this; // isOpen and send(text) below
    this.index = index;
    this.typed = [];
    this.acked = 0;
    this.wentBack = 0; // reconnects where the server had fewer updates than we had confirmed
    this.paused = 0; // times the server said it cannot reach its storage (saving paused)
    this.addEventListener("saving-paused", () => this.paused++);
    this.attempt = index;
    this.open = false;
    this.connect();
  }

  get isOpen() {
    return this.open && this.ws?.readyState === WebSocket.OPEN;
  }

  send(text) {
    if (!this.isOpen) return false;
    this.ws.send(text);
    return true;
  }

  connect() {
    this.open = false;
    const ws = new WebSocket(urls[this.attempt++ % urls.length]);
    this.ws = ws;
    ws.onmessage = (event) => ws === this.ws && this.handle(JSON.parse(event.data));
    ws.onopen = () => {
      if (ws !== this.ws) return;
      this.open = true;
      this.reset(); // the page's "open" event
    };
    // Node 20's WebSocket fires only `error` when the connection is refused, so both events retry.
    const retry = (event) => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.open = false;
      this.onClose(event?.code); // the page's "close" event
      setTimeout(() => this.connect(), 50 + Math.random() * 150);
    };
    ws.onclose = retry;
    ws.onerror = retry;
  }

  handle(message) {
    const { type, data } = message;
    if (type === "session_state" && this.view && data.version < this.version) this.wentBack++;
    if (type === "updates" && this.view && data.version <= this.version) {
      const me = this.clientID;
      this.acked += data.updates.slice(this.version - data.version).filter((u) => u.clientID === me).length;
    }
    if (type === "error" && data.code !== "store_unavailable") console.error(`client ${this.index}: server error: ${data.message}`);
    super.handle(message);
  }

  type() {
    if (!this.view) return;
    const line = this.view.state.doc.line(this.index + 1);
    const token = ` ${this.index}.${this.typed.length}`;
    this.typed.push(token);
    this.view.dispatch({ changes: { from: line.to, insert: token } }); // the view pushes
  }
}

const typists = Array.from({ length: Number(clientCount) }, (_, i) => new Typist(i));
const end = Date.now() + Number(seconds) * 1000;
while (Date.now() < end) {
  for (const typist of typists) typist.type();
  await sleep(Number(intervalMs) * (0.5 + Math.random()));
}
// The test may still be killing servers: wait until it closes our stdin (or writes a line), then
// keep reconnecting until every edit is confirmed, and make sure everyone holds the last version.
await new Promise((resolve) => {
  process.stdin.once("data", resolve);
  process.stdin.once("end", resolve);
  process.stdin.resume();
});
const settled = () => typists.every((t) => t.isOpen && t.caughtUp && t.pendingCount() === 0);
const deadline = Date.now() + 30000;
while (!settled() && Date.now() < deadline) await sleep(50);
for (const t of typists) t.send(pull(t.version));
await sleep(500);
console.log(JSON.stringify({
  settled: settled(),
  lines: typists.map((t) => `c${t.index}:` + t.typed.join("")),
  docs: typists.map((t) => t.view.state.doc.toString()),
  versions: typists.map((t) => t.version),
  typed: typists.reduce((n, t) => n + t.typed.length, 0),
  acked: typists.reduce((n, t) => n + t.acked, 0),
  wentBack: typists.reduce((n, t) => n + t.wentBack, 0),
  paused: typists.reduce((n, t) => n + t.paused, 0),
}));
for (const t of typists) {
  if (!t.ws) continue;
  t.ws.onclose = t.ws.onerror = null;
  t.ws.close();
}
// Reconnect timers may still be pending: the run is over.
process.exit(0);
