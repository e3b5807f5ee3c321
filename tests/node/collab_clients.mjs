// Real @codemirror/collab clients in Node, typing at once against a live server.
// Usage: node --experimental-websocket tests/node/collab_clients.mjs WS_URL[,WS_URL...] CLIENTS EDITS SEED
// (client i connects to the i-th URL, round robin: several server instances share one session)
// Prints one JSON line: {settled, rejected: stale pushes in all, docs: [each client's text], versions}.
import { ChangeSet, EditorState } from "@codemirror/state";
import { collab, getSyncedVersion, receiveUpdates, sendableUpdates } from "@codemirror/collab";

const [urlList, clientCount, editCount, seedArg] = process.argv.slice(2);
const urls = urlList.split(",");
let seed = Number(seedArg || 1);
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const PIECES = ["a", "b", " ", "\n", "😀", "中", "é", "🎉", "xyz"];

class Client {
  constructor(index) {
    this.index = index;
    this.state = null;
    this.inFlight = false;
    this.edits = 0;
    this.rejected = 0;
    this.ws = new WebSocket(urls[index % urls.length]);
    this.ready = new Promise((resolve) => (this.onReady = resolve));
    this.ws.onmessage = (event) => this.receive(JSON.parse(event.data));
  }

  send(type, data) {
    this.ws.send(JSON.stringify({ type, data }));
  }

  receive({ type, data }) {
    if (type === "session_state") {
      this.state = EditorState.create({ doc: data.code, extensions: [collab({ startVersion: data.version, clientID: `node${this.index}` })] });
      this.onReady();
    } else if (type === "updates") {
      const synced = getSyncedVersion(this.state);
      if (data.version > synced) return this.send("pull", { version: synced });
      const fresh = data.updates.slice(synced - data.version);
      const mine = fresh.some((u) => u.clientID === `node${this.index}`);
      this.state = receiveUpdates(this.state, fresh.map((u) => ({ clientID: u.clientID, changes: ChangeSet.fromJSON(u.changes) }))).state;
      if (mine) this.inFlight = false;
      this.flush();
    } else if (type === "push_rejected") {
      this.rejected++;
      this.inFlight = false;
      if (getSyncedVersion(this.state) >= data.version) this.flush();
      else this.send("pull", { version: getSyncedVersion(this.state) });
    } else if (type === "error") {
      throw new Error(`server error: ${data.message}`);
    }
  }

  flush() {
    const pending = sendableUpdates(this.state);
    if (this.inFlight || !pending.length) return;
    this.inFlight = true;
    this.send("push", { version: getSyncedVersion(this.state), updates: pending.map((u) => ({ clientID: u.clientID, changes: u.changes.toJSON() })) });
  }

  edit() {
    const length = this.state.doc.length;
    const from = Math.floor(random() * (length + 1));
    // Never split a surrogate pair: CodeMirror's own cursor cannot land inside one.
    const safe = (pos) => (pos > 0 && pos < length && /[\uDC00-\uDFFF]/.test(this.state.doc.sliceString(pos, pos + 1)) ? pos - 1 : pos);
    const start = safe(from);
    const end = random() < 0.3 ? safe(Math.min(length, start + Math.floor(random() * 4))) : start;
    const insert = random() < 0.85 ? PIECES[Math.floor(random() * PIECES.length)] : "";
    this.state = this.state.update({ changes: { from: start, to: Math.max(start, end), insert } }).state;
    this.edits++;
    this.flush();
  }
}

const clients = Array.from({ length: Number(clientCount) }, (_, i) => new Client(i));
await Promise.all(clients.map((c) => c.ready));
for (let round = 0; round < Number(editCount); round++) {
  for (const client of clients) if (random() < 0.8) client.edit();
  await new Promise((resolve) => setTimeout(resolve, random() * 6));
}
const deadline = Date.now() + 20000;
const settled = () => clients.every((c) => !c.inFlight && !sendableUpdates(c.state).length);
while (!settled() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
// Everyone pulls once more to be sure they hold the final version.
for (const c of clients) c.send("pull", { version: getSyncedVersion(c.state) });
await new Promise((resolve) => setTimeout(resolve, 300));
console.log(JSON.stringify({ settled: settled(), rejected: clients.reduce((n, c) => n + c.rejected, 0), docs: clients.map((c) => c.state.doc.toString()), versions: clients.map((c) => getSyncedVersion(c.state)) }));
for (const c of clients) c.ws.close();
// Reconnect timers may still be pending: the run is over.
process.exit(0);
