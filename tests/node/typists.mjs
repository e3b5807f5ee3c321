// Protocol clients with the real @codemirror/collab that type, lose their server, reconnect by
// themselves and re-send what was not confirmed. Client i owns line i of the document ("c<i>:")
// and appends tokens " <i>.<n>" to it, so the final line i must equal "c<i>:" plus every token it
// typed, in order: nothing lost, nothing doubled.
// Usage: node --experimental-websocket tests/node/typists.mjs WS_URL[,WS_URL...] CLIENTS SECONDS INTERVAL_MS
// Client i starts on the i-th URL (round robin) and tries the next one each time it reconnects.
// After typing it waits for a line (or EOF) on stdin, then settles and prints one JSON line: {settled, lines: [expected line i], docs: [each client's text], acked, typed, wentBack}.
import { ChangeSet, EditorState } from "@codemirror/state";
import { collab, getClientID, getSyncedVersion, receiveUpdates, sendableUpdates } from "@codemirror/collab";

const [urlList, clientCount, seconds, intervalMs] = process.argv.slice(2);
const urls = urlList.split(",");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class Typist {
  constructor(index) {
    this.index = index;
    this.state = null;
    this.typed = [];
    this.acked = 0;
    this.wentBack = 0; // reconnects where the server had fewer updates than we had confirmed
    this.attempt = index;
    this.connect();
  }

  connect() {
    this.open = false;
    this.caughtUp = false;
    this.inFlight = false;
    const ws = new WebSocket(urls[this.attempt++ % urls.length]);
    this.ws = ws;
    ws.onmessage = (event) => ws === this.ws && this.receive(JSON.parse(event.data));
    ws.onopen = () => (this.open = true);
    // Node 20's WebSocket fires only `error` when the connection is refused, so both events retry.
    const retry = () => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.open = false;
      setTimeout(() => this.connect(), 50 + Math.random() * 150);
    };
    ws.onclose = retry;
    ws.onerror = retry;
  }

  send(type, data) {
    if (this.open && this.ws) this.ws.send(JSON.stringify({ type, data }));
  }

  receive({ type, data }) {
    if (type === "session_state") {
      if (!this.state) {
        this.state = EditorState.create({ doc: data.code, extensions: [collab({ startVersion: data.version })] });
        this.caughtUp = true;
        return;
      }
      const synced = getSyncedVersion(this.state);
      if (data.version < synced) {
        this.wentBack++;
        return;
      }
      if (data.version > synced) this.send("pull", { version: synced });
      else this.caughtUp = true;
      this.flush();
    } else if (type === "updates") {
      const synced = getSyncedVersion(this.state);
      if (data.version > synced) return this.send("pull", { version: synced });
      const fresh = data.updates.slice(synced - data.version);
      const me = getClientID(this.state);
      const mine = fresh.filter((u) => u.clientID === me).length;
      this.state = receiveUpdates(this.state, fresh.map((u) => ({ clientID: u.clientID, changes: ChangeSet.fromJSON(u.changes) }))).state;
      this.acked += mine;
      if (mine) this.inFlight = false;
      this.caughtUp = true;
      this.flush();
    } else if (type === "push_rejected") {
      this.inFlight = false;
      const synced = getSyncedVersion(this.state);
      if (synced >= data.version) this.flush();
      else this.send("pull", { version: synced });
    } else if (type === "error") {
      console.error(`client ${this.index}: server error: ${data.message}`);
    }
  }

  flush() {
    const pending = sendableUpdates(this.state);
    if (!this.open || !this.caughtUp || this.inFlight || !pending.length) return;
    this.inFlight = true;
    this.send("push", {
      version: getSyncedVersion(this.state),
      updates: pending.map((u) => ({ clientID: u.clientID, changes: u.changes.toJSON() })),
    });
  }

  type() {
    if (!this.state) return;
    const line = this.state.doc.line(this.index + 1);
    const token = ` ${this.index}.${this.typed.length}`;
    this.typed.push(token);
    this.state = this.state.update({ changes: { from: line.to, insert: token } }).state;
    this.flush();
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
const settled = () => typists.every((t) => t.open && t.caughtUp && !sendableUpdates(t.state).length);
const deadline = Date.now() + 30000;
while (!settled() && Date.now() < deadline) await sleep(50);
for (const t of typists) t.send("pull", { version: getSyncedVersion(t.state) });
await sleep(500);
console.log(JSON.stringify({
  settled: settled(),
  lines: typists.map((t) => `c${t.index}:` + t.typed.join("")),
  docs: typists.map((t) => t.state.doc.toString()),
  versions: typists.map((t) => getSyncedVersion(t.state)),
  typed: typists.reduce((n, t) => n + t.typed.length, 0),
  acked: typists.reduce((n, t) => n + t.acked, 0),
  wentBack: typists.reduce((n, t) => n + t.wentBack, 0),
}));
for (const t of typists) {
  if (!t.ws) continue;
  t.ws.onclose = t.ws.onerror = null;
  t.ws.close();
}
// Reconnect timers may still be pending: the run is over.
process.exit(0);
