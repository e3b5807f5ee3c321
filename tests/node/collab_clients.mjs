// The page's own sync core (real @codemirror/collab) in Node: clients typing at once against a live server.
// Usage: node --experimental-websocket tests/node/collab_clients.mjs WS_URL[,WS_URL...] CLIENTS EDITS SEED
// (client i connects to the i-th URL, round robin: several server instances share one session)
// Prints one JSON line: {settled, rejected: stale pushes in all, docs: [each client's text], versions}.
import { pull } from "../../static/src/protocol.js";
import { SyncClient } from "../../static/src/sync.js";

const [urlList, clientCount, editCount, seedArg] = process.argv.slice(2);
const urls = urlList.split(",");
let seed = Number(seedArg || 1);
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const PIECES = ["a", "b", " ", "\n", "😀", "中", "é", "🎉", "xyz"];

/** The page's sync core (static/src/sync.js) on one socket, around a headless view. */
class Client extends SyncClient {
  constructor(index) {
    // Pushes without `rebase`: stale ones are rejected, and the core rebases them itself.
    super({ connection: null, clientID: `node${index}`, rebase: false });
    this.connection = this; // isOpen and send(text) below
    this.index = index;
    this.rejected = 0;
    this.ws = new WebSocket(urls[index % urls.length]);
    this.ready = new Promise((resolve) => this.addEventListener("ready", resolve, { once: true }));
    this.ws.onmessage = (event) => this.handle(JSON.parse(event.data));
  }

  get isOpen() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(text) {
    if (!this.isOpen) return false;
    this.ws.send(text);
    return true;
  }

  handle(message) {
    if (message.type === "error") throw new Error(`server error: ${message.data.message}`);
    if (message.type === "push_rejected") this.rejected++;
    super.handle(message);
  }

  edit() {
    const doc = this.view.state.doc;
    const length = doc.length;
    const from = Math.floor(random() * (length + 1));
    // Never split a surrogate pair: CodeMirror's own cursor cannot land inside one.
    const safe = (pos) => (pos > 0 && pos < length && /[\uDC00-\uDFFF]/.test(doc.sliceString(pos, pos + 1)) ? pos - 1 : pos);
    const start = safe(from);
    const end = random() < 0.3 ? safe(Math.min(length, start + Math.floor(random() * 4))) : start;
    const insert = random() < 0.85 ? PIECES[Math.floor(random() * PIECES.length)] : "";
    if (start === end && !insert) return; // the editor makes no transaction either
    this.view.dispatch({ changes: { from: start, to: Math.max(start, end), insert } }); // the view pushes
  }
}

const clients = Array.from({ length: Number(clientCount) }, (_, i) => new Client(i));
await Promise.all(clients.map((c) => c.ready));
for (let round = 0; round < Number(editCount); round++) {
  for (const client of clients) if (random() < 0.8) client.edit();
  await new Promise((resolve) => setTimeout(resolve, random() * 6));
}
const deadline = Date.now() + 20000;
const settled = () => clients.every((c) => !c.inFlight && c.pendingCount() === 0);
while (!settled() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
// Everyone pulls once more to be sure they hold the final version.
for (const c of clients) c.send(pull(c.version));
await new Promise((resolve) => setTimeout(resolve, 300));
console.log(JSON.stringify({ settled: settled(), rejected: clients.reduce((n, c) => n + c.rejected, 0), docs: clients.map((c) => c.view.state.doc.toString()), versions: clients.map((c) => c.version) }));
for (const c of clients) c.ws.close();
// Reconnect timers may still be pending: the run is over.
process.exit(0);
