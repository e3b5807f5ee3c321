// Convergence fuzzer: headless clients built on the real @codemirror/collab + @codemirror/state type,
// paste, delete, lag and drop their connection against a live server, which must end up agreeing
// with all of them and hold every accepted edit exactly once.
//
// Usage: node --experimental-websocket tests/node/fuzz_clients.mjs URL CLIENTS STEPS SEED [--option value ...]
//   URL      the server's base address, e.g. http://127.0.0.1:8080 (a session is made with POST /api/sessions)
//   options  --mode lockstep|realtime, --check-every N, --max-delay N, ... (see OPTIONS below)
// Prints one JSON line with the figures on stdout; on failure also the seed, the failing step, the
// last actions and a command to run it again on stderr, and exits with status 1.
//
// Each client is the page's own sync core (static/src/sync.js, which collab.js runs around its
// EditorView) around a headless view; the network around it copies connection.js's events.
//
// Two network modes. `lockstep` (the default) is reproducible: a step is one tick of a virtual
// clock, delays are counted in ticks, and frames reach the server one client at a time, each batch
// followed by a barrier (a frame the server answers with an error, in order) so the server sees the
// same sequence for the same seed. `realtime` uses real milliseconds and lets the server see frames
// from all clients at once (real races); the seed then fixes the clients' decisions, not the timing.
import { ChangeSet, Text, Transaction } from "@codemirror/state";
import { sendableUpdates } from "@codemirror/collab";
import { HeadlessView, SyncClient } from "../../static/src/sync.js";

const OPTIONS = {
  mode: "lockstep", // lockstep (reproducible) or realtime
  "check-every": 1000, // steps between checkpoints (let everything settle, compare with the server)
  "edit-rate": 0.3, // chance that a client edits in a step
  "disconnect-rate": 0.003, // chance that a connected client loses its connection in a step (x2 mid-push, x0.5 else)
  "reconnect-delay": 40, // a dropped client reconnects after up to this many ticks (ms in realtime)
  "max-delay": 6, // each frame is delayed up to this many ticks (ms), order kept per direction
  "spike-rate": 0.01, // chance that a frame is held much longer (a slow network moment)
  "spike-delay": 80, // up to this many ticks (ms) for such a frame
  "paste-rate": 0.02, // chance that an edit is a large paste
  "max-paste": 20000, // UTF-8 bytes of the largest paste
  "doc-cap": 50000, // UTF-16 units: a client above this deletes a large part (<= 150 KB of UTF-8)
  "pending-cap": 20000, // UTF-16 units a client may add while unconfirmed before it stops pasting
  "max-message-bytes": 262144, // the page's data-max-message-bytes
  "max-updates-per-push": 1000, // at most this many updates per push, as the page does (the server's limit)
  rebase: 1, // 1: pushes say rebase: true, as the page does (the server rebases stale pushes); 0: the server rejects them
  "step-ms": 1, // realtime: wall time per step (0: just let I/O run)
  "settle-ticks": 20000, // lockstep: ticks a checkpoint may take to settle
  "settle-ms": 30000, // realtime: time a checkpoint may take to settle
  trace: 30, // actions printed on failure
  progress: 0, // 1: a line on stderr at every checkpoint
};

const BARRIER = JSON.stringify({ type: "fuzz_barrier", data: {} });
const BARRIER_ANSWER = "'fuzz_barrier'"; // the server's error names the unknown type
const IGNORED = new Set(["user_joined", "user_left", "participants", "welcome", "history", "cursor", "language"]);
const utf8 = new TextEncoder();
const LOG_PIECE = 600; // versions checked at a time at most: well under the server's PULL_MAX_UPDATES (1,000)

class FuzzFailure extends Error {}

function parseArgs(argv) {
  const [url, clients, steps, seed, ...rest] = argv;
  if (!url || !clients || !steps || seed === undefined) {
    throw new FuzzFailure("usage: fuzz_clients.mjs URL CLIENTS STEPS SEED [--option value ...]");
  }
  const options = { ...OPTIONS };
  for (let i = 0; i < rest.length; i += 2) {
    const name = rest[i].replace(/^--/, "");
    if (!(name in OPTIONS) || rest[i + 1] === undefined) throw new FuzzFailure(`unknown option or missing value: ${rest[i]}`);
    options[name] = name === "mode" ? rest[i + 1] : Number(rest[i + 1]);
  }
  if (!["lockstep", "realtime"].includes(options.mode)) throw new FuzzFailure("--mode must be lockstep or realtime");
  return { url: url.replace(/\/$/, ""), clients: Number(clients), steps: Number(steps), seed: Number(seed), options };
}

/** A small seeded PRNG (mulberry32) with helpers; independent streams come from distinct seeds. */
function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (n) => Math.floor(next() * n); // 0 .. n-1
  next.pick = (list) => list[Math.floor(next() * list.length)];
  next.chance = (p) => next() < p;
  return next;
}

const mix = (...parts) => parts.reduce((h, p) => Math.imul(h ^ (p >>> 0), 0x9e3779b1) >>> 0, 0x811c9dc5);

// What people type: ASCII, line breaks of every kind, astral emoji (2 units), a ZWJ sequence,
// CJK and Hangul (1 unit, 3 UTF-8 bytes), combining marks, an astral math letter.
const PIECES = ["a", "b", "x", " ", "  ", "\n", "\r\n", "\r", "\t", "def ", "()", ":", "😀", "🎉", "👩‍💻", "中", "文字",
  "日本語", "한국어", "é", "e\u0301", "𝒳", "🇫🇷", "print(1)", "# 注释 🐍\r\n"];
const LINE_BITS = ["    return x", "for i in range(10):", "s = '中文 😀'", "# 𝒳 ≠ 🎉", "x = 1", "print('done')", "", "\t🐍🐍"];

function pasteText(rng, maxBytes) {
  const target = 1 + rng.int(maxBytes);
  const eol = rng.pick(["\n", "\r\n", "\r"]);
  const parts = [];
  let bytes = 0;
  while (bytes < target) {
    const line = rng.pick(LINE_BITS) + (rng.chance(0.3) ? rng.pick(PIECES) : "");
    const size = utf8.encode(line).length + eol.length;
    if (bytes + size > target && parts.length) break;
    parts.push(line);
    bytes += size;
  }
  return parts.join(rng.chance(0.2) ? "\r\n" : eol);
}

/** One side of a connection: frames leave in order, each held until its tick. */
class Lane {
  constructor(rng, options) {
    this.rng = rng;
    this.options = options;
    this.frames = [];
    this.last = 0;
  }

  /** Queue a frame (text going out, a decoded message coming in) after a random delay, never before the last one. */
  add(now, payload) {
    const { options, rng } = this;
    const delay = rng.chance(options["spike-rate"]) ? rng.int(options["spike-delay"] + 1) : rng.int(options["max-delay"] + 1);
    this.last = Math.max(this.last, now + delay);
    this.frames.push({ at: this.last, payload });
  }

  due(now) {
    let n = 0;
    while (n < this.frames.length && this.frames[n].at <= now) n++;
    return n ? this.frames.splice(0, n) : [];
  }

  clear() {
    this.frames = [];
  }
}

/** A headless page: the collab logic of static/src/collab.js over a lagging, droppable socket. */
class FuzzClient extends SyncClient {
  constructor(run, index) {
    // The page's sync core itself (static/src/sync.js) around a headless view; the client ID is kept
    // across reconnects, as the page keeps its state.
    super({ connection: null, clientID: `fuzz${index}`, maxMessageBytes: run.options["max-message-bytes"],
      maxUpdatesPerPush: run.options["max-updates-per-push"] || Infinity, rebase: Boolean(run.options.rebase) });
    this.connection = this; // isOpen and send(text) below
    this.run = run;
    this.index = index;
    const seed = run.seed;
    this.rng = prng(mix(seed, index, 1)); // this client's decisions
    this.outgoing = new Lane(prng(mix(seed, index, 2)), run.options);
    this.incoming = new Lane(prng(mix(seed, index, 3)), run.options);
    this.conn = null; // {ws, open, barriers: [resolve], ready}
    this.reconnectAt = 0; // tick of the next connect attempt while disconnected
    this.pushedAt = -1;
    // figures
    this.edits = 0; // local updates made (what the server's log must hold for this clientID)
    this.pushes = 0;
    this.rejected = 0;
    this.serverRebased = 0; // own updates confirmed at a later version than they were pushed at
    this.pulls = 0;
    this.reconnects = 0;
    this.resyncs = 0;
    this.dropped = 0;
    this.noops = 0; // own updates emptied by a concurrent edit, confirmed here (the server refuses no-ops)
    this.addEventListener("pushed", ({ detail }) => {
      this.pushedAt = detail.version;
      this.pushes++;
    });
    this.addEventListener("noops-confirmed", ({ detail }) => {
      this.noops += detail;
      this.edits -= detail; // never sent: the log holds none of them
    });
    this.addEventListener("state-replaced", ({ detail }) => {
      if (detail.reason === "resync") this.resyncs++;
      else this.dropped++;
      this.edits -= detail.discarded; // the unconfirmed edits become (at most) one new one, counted by newView
    });
  }

  /** The core's view: a headless one that counts local edits and pushes after every change, as the page's does. */
  newView(state) {
    return new HeadlessView(state, (transactions) => {
      this.edits += transactions.filter((tr) => tr.docChanged && !tr.annotation(Transaction.remote)).length;
      this.maybePush();
    });
  }

  get state() {
    return this.view?.state ?? null;
  }

  // ---- connection (connection.js) ----

  get isOpen() {
    return this.conn !== null && this.conn.open && this.conn.ws.readyState === WebSocket.OPEN;
  }

  /** Open a socket; in lockstep, wait until the server's session_state has arrived. */
  async connect() {
    const ws = new WebSocket(this.run.wsUrl);
    const conn = { ws, open: false, barriers: [], ready: null };
    let ready;
    conn.ready = new Promise((resolve) => (ready = resolve));
    conn.gotFirst = ready;
    this.conn = conn;
    ws.onopen = () => {
      if (this.conn !== conn) return;
      conn.open = true;
      this.reset(); // the page's "open" event
    };
    ws.onmessage = (event) => this.arrive(conn, event.data);
    ws.onclose = (event) => {
      for (const resolve of conn.barriers.splice(0)) resolve(false);
      ready(false);
      if (this.conn !== conn) return;
      // Closed by the server (we close ours through drop()): the page resets and reconnects.
      this.run.serverCloses.push({ client: this.index, code: event.code, reason: event.reason, step: this.run.step });
      this.lose(event.code);
    };
    if (this.run.lockstep && !(await withTimeout(conn.ready, 10000))) {
      throw new FuzzFailure(`client ${this.index}: no session_state after connecting`);
    }
  }

  /** A frame from the server: figures, barrier answers, then the incoming lane. */
  arrive(conn, text) {
    if (this.conn !== conn) return; // a socket this page already gave up
    const message = JSON.parse(text);
    if (message.type === "error" && String(message.data?.message).includes(BARRIER_ANSWER)) {
      conn.barriers.shift()?.(true);
      return;
    }
    if (IGNORED.has(message.type)) return; // presence: its timing is not the fuzzer's to fix
    this.run.bytesIn += Buffer.byteLength(text);
    this.run.framesIn++;
    conn.gotFirst(true);
    this.incoming.add(this.run.now, message);
  }

  /** The page's connection.send: false (dropped) unless the socket is open. */
  send(text) {
    if (!this.isOpen) return false;
    const { type, data } = JSON.parse(text);
    if (type === "pull") this.pulls++;
    this.run.record(this.index, `send ${type} ${summary(type, data)}`);
    this.outgoing.add(this.run.now, text);
    return true;
  }

  /** Put this client's due frames on the wire; true if any were sent. */
  flushOutgoing(now) {
    const frames = this.outgoing.due(now);
    if (!frames.length) return false;
    for (const { payload: text } of frames) {
      if (this.conn.ws.readyState !== WebSocket.OPEN) break; // lost with the connection
      this.conn.ws.send(text);
      this.run.bytesOut += Buffer.byteLength(text);
      this.run.framesOut++;
    }
    return true;
  }

  /** Resolves once the server has handled every frame this client sent before it. */
  barrier() {
    const conn = this.conn;
    if (!conn || conn.ws.readyState !== WebSocket.OPEN) return Promise.resolve(false);
    const answered = new Promise((resolve) => conn.barriers.push(resolve));
    conn.ws.send(BARRIER);
    return withTimeout(answered, 10000).then((ok) => {
      if (ok === null) throw new FuzzFailure(`client ${this.index}: the server did not answer a barrier within 10 s`);
      return ok;
    });
  }

  /** Hand the due incoming frames to the sync core. */
  deliverIncoming(now) {
    for (const { payload: message } of this.incoming.due(now)) this.handle(message);
  }

  /** The network goes away: what is still on the wire either way is lost. */
  async drop(flushFirst) {
    const conn = this.conn;
    if (flushFirst && conn.ws.readyState === WebSocket.OPEN) {
      // Our frames reach the server, its answers to them never reach us.
      this.flushOutgoing(Infinity);
      if (this.run.lockstep) await this.barrier();
    }
    this.conn = null;
    conn.ws.close();
    this.lose(1006);
  }

  lose(code) {
    this.conn = null;
    this.outgoing.clear();
    this.incoming.clear();
    this.onClose(code); // the page's "close" event
    this.reconnectAt = this.run.now + 1 + this.rng.int(this.run.options["reconnect-delay"] + 1);
  }

  // ---- the sync core, watched ----

  handle(message) {
    const { type, data } = message;
    this.run.record(this.index, `recv ${type} ${summary(type, data)}`);
    if (type === "error") throw new FuzzFailure(`client ${this.index}: server error: ${data.message}`);
    if (type === "push_rejected") this.rejected++;
    if (type === "updates" && this.view) {
      const ownAt = data.updates.slice(this.version - data.version).findIndex((update) => update.clientID === this.clientID);
      if (ownAt >= 0 && this.version + ownAt > this.pushedAt) this.serverRebased++;
    }
    super.handle(message);
  }

  /** A local transaction (typing, pasting), counted by the view. */
  localChange(spec) {
    this.view.dispatch(spec);
  }

  // ---- the person at the keyboard ----

  /** One random edit, made the way the editor makes them (string inserts, no split surrogate pairs). */
  edit() {
    const { rng, run } = this;
    const doc = this.state.doc;
    const length = doc.length;
    const opts = run.options;
    const pendingGrowth = length - this.syncedDoc.length;
    let from, to, insert, kind;
    const roll = rng();
    if (length > opts["doc-cap"]) {
      kind = "trim";
      from = snap(doc, rng.int(length / 2));
      to = snap(doc, Math.min(length, from + Math.floor(length / 2)));
      insert = "";
    } else if (roll < opts["paste-rate"] && pendingGrowth < opts["pending-cap"]) {
      kind = "paste";
      from = snap(doc, rng.int(length + 1));
      to = rng.chance(0.3) ? snap(doc, Math.min(length, from + rng.int(200))) : from;
      insert = pasteText(rng, opts["max-paste"]);
    } else if (roll < 0.6) {
      kind = "type";
      from = to = snap(doc, rng.int(length + 1));
      insert = rng.pick(PIECES);
    } else if (roll < 0.72) {
      kind = "backspace";
      to = snap(doc, rng.int(length + 1));
      from = codePointBefore(doc, to);
    } else if (roll < 0.84) {
      kind = "delete-astral";
      [from, to] = rangeAroundAstral(doc, rng);
      insert = rng.chance(0.3) ? rng.pick(PIECES) : "";
    } else {
      kind = "replace";
      from = snap(doc, rng.int(length + 1));
      to = snap(doc, Math.min(length, from + rng.int(40)));
      insert = rng.chance(0.7) ? rng.pick(PIECES) + rng.pick(PIECES) : "";
    }
    if (from === to && !insert) return; // nothing to do; the editor makes no transaction either
    run.record(this.index, `${kind} ${from}..${to} ${JSON.stringify(insert ?? "").slice(0, 40)}${insert && insert.length > 30 ? `(${insert.length} units)` : ""} doc=${length}`);
    this.localChange({ changes: { from, to, insert }, userEvent: kind === "paste" ? "input.paste" : "input" });
  }

  /** Settled: connected, caught up, nothing unconfirmed or on the way. */
  idle() {
    return this.isOpen && this.seenState && this.caughtUp && !this.inFlight && sendableUpdates(this.state).length === 0
      && !this.outgoing.frames.length && !this.incoming.frames.length;
  }
}

/** Move a position off the middle of a surrogate pair (the editor's cursor never lands there). */
function snap(doc, pos) {
  if (pos <= 0 || pos >= doc.length) return Math.max(0, Math.min(pos, doc.length));
  const pair = doc.sliceString(pos - 1, pos + 1);
  return /^[\uD800-\uDBFF][\uDC00-\uDFFF]$/.test(pair) ? pos - 1 : pos;
}

function codePointBefore(doc, pos) {
  if (pos === 0) return 0;
  const two = doc.sliceString(Math.max(0, pos - 2), pos);
  return two.length === 2 && /^[\uD800-\uDBFF][\uDC00-\uDFFF]$/.test(two) ? pos - 2 : pos - 1;
}

/** A range that starts before and ends after an astral character near a random spot (any range if none). */
function rangeAroundAstral(doc, rng) {
  const start = rng.int(doc.length + 1);
  const window = doc.sliceString(start, Math.min(doc.length, start + 200));
  const found = window.search(/[\uD800-\uDBFF][\uDC00-\uDFFF]/);
  const at = found < 0 ? start : start + found;
  const from = snap(doc, Math.max(0, at - rng.int(4)));
  const to = snap(doc, Math.min(doc.length, at + 2 + rng.int(4)));
  return [from, Math.max(from, to)];
}



function summary(type, data) {
  if (type === "updates") return `v${data.version} +${data.updates.length} [${data.updates.map((u) => u.clientID).join(",")}]`;
  if (type === "session_state") return `v${data.version} len=${data.code.length}`;
  return JSON.stringify(data).slice(0, 80);
}

function withTimeout(promise, ms) {
  let timer;
  return Promise.race([promise, new Promise((resolve) => (timer = setTimeout(() => resolve(null), ms)))]).finally(() => clearTimeout(timer));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A plain connection (no lag) that reads the server's session_state, optionally pulls, and closes. */
async function observe(wsUrl, pullFrom = null) {
  const ws = new WebSocket(wsUrl);
  const messages = [];
  let wake = () => {};
  ws.onmessage = (event) => {
    messages.push(JSON.parse(event.data));
    wake();
  };
  const next = async (types) => {
    const deadline = Date.now() + 60000;
    for (;;) {
      const index = messages.findIndex((m) => [types].flat().includes(m.type));
      if (index >= 0) return messages.splice(0, index + 1).pop();
      if (Date.now() > deadline) throw new FuzzFailure(`observer: no ${types} from the server within 60 s`);
      await Promise.race([new Promise((resolve) => (wake = resolve)), sleep(200)]);
    }
  };
  try {
    const state = (await next("session_state")).data;
    let log = null;
    if (pullFrom !== null) {
      ws.send(JSON.stringify({ type: "pull", data: { version: pullFrom } }));
      const answer = await next(["updates", "session_state"]);
      if (answer.type === "session_state") {
        throw new FuzzFailure(`the server no longer has its log from version ${pullFrom} (compacted after MAX_HISTORY_UPDATES?): `
          + "run fewer steps or a lower --edit-rate");
      }
      log = answer.data;
    }
    return { state, log };
  } finally {
    ws.close();
  }
}

class FuzzRun {
  constructor({ url, clients, steps, seed, options }) {
    Object.assign(this, { url, steps, seed, options });
    this.clientCount = clients;
    this.lockstep = options.mode === "lockstep";
    this.rng = prng(mix(seed, 0xfeed));
    this.now = 0; // ticks (lockstep) or ms since start (realtime)
    this.step = 0;
    this.lastGoodCheckpoint = 0;
    this.checkpoints = 0;
    this.bytesIn = this.bytesOut = this.framesIn = this.framesOut = 0;
    this.disconnects = { cut: 0, flush: 0 };
    this.serverCloses = [];
    this.trace = [];
    this.started = performance.now();
  }

  record(client, text) {
    this.trace.push(`step ${this.step} t${this.now} c${client}: ${text}`);
    if (this.trace.length > this.options.trace * 4) this.trace.splice(0, this.trace.length - this.options.trace);
  }

  clock() {
    return this.lockstep ? this.now : Math.floor(performance.now() - this.started);
  }

  async setup() {
    const response = await fetch(`${this.url}/api/sessions`, { method: "POST" });
    if (response.status !== 201) throw new FuzzFailure(`POST /api/sessions answered ${response.status}: ${await response.text()}`);
    this.sessionId = (await response.json()).session_id;
    this.wsUrl = `${this.url.replace(/^http/, "ws")}/ws/${this.sessionId}`;
    // The session starts with starter code, not an empty text: the log replays from this.
    const { state } = await observe(this.wsUrl);
    if (state.version !== 0) throw new FuzzFailure(`a new session is at version ${state.version}, not 0`);
    this.initialText = state.code;
    this.logVersion = 0; // checkpoints check the log incrementally from here
    this.logDoc = Text.of(state.code.split("\n"));
    this.logCounts = new Map();
    this.clients = Array.from({ length: this.clientCount }, (_, i) => new FuzzClient(this, i));
    for (const client of this.clients) await client.connect();
  }

  /** One tick of the network: reconnects, frames to the server, frames to the clients. */
  async tick(acting) {
    this.now = this.lockstep ? this.now + 1 : this.clock();
    for (const client of this.clients) {
      if (!client.conn && this.now >= client.reconnectAt) {
        client.reconnects++;
        this.record(client.index, "reconnect");
        await client.connect();
      }
      if (acting) await this.act(client);
    }
    let sent = false;
    for (const client of this.clients) {
      if (!client.conn) continue;
      // Lockstep: the server handles one client's frames at a time, in client order.
      if (client.flushOutgoing(this.now)) {
        sent = true;
        if (this.lockstep) await client.barrier();
      }
    }
    if (this.lockstep && sent) await this.barrierAll();
    for (const client of this.clients) client.deliverIncoming(this.now);
    if (!this.lockstep) await (this.options["step-ms"] > 0 ? sleep(this.options["step-ms"]) : new Promise(setImmediate));
  }

  /**
   * A barrier on every socket: once the server has handled all frames sent so far, each answer comes
   * after everything those frames made it send to that socket, so all of it is in the incoming lanes.
   */
  async barrierAll() {
    await Promise.all(this.clients.map((client) => client.barrier()));
  }

  async act(client) {
    const { rng, options } = this;
    // Twice as likely while a push awaits its answer: the server may then hold edits whose
    // confirmation this client never sees, which its resend after reconnecting must not duplicate.
    const dropRate = options["disconnect-rate"] * (client.inFlight ? 2 : 0.5);
    if (client.conn && client.isOpen && rng.chance(dropRate)) {
      const flush = rng.chance(0.5);
      this.disconnects[flush ? "flush" : "cut"]++;
      this.record(client.index, `disconnect (${flush ? "frames out first" : "cut"}) inFlight=${client.inFlight} pending=${client.state ? sendableUpdates(client.state).length : 0}`);
      await client.drop(flush);
      if (flush && this.lockstep) await this.barrierAll(); // what its last frames made the server send to the others
    }
    if (client.state && rng.chance(options["edit-rate"])) client.edit();
  }

  /** Stop typing, let everything arrive, then every client must hold the server's text and version. */
  async checkpoint(final) {
    const settleLimit = this.lockstep ? this.options["settle-ticks"] : this.options["settle-ms"];
    const start = this.lockstep ? this.now : this.clock();
    for (;;) {
      await this.tick(false);
      if (this.clients.every((c) => c.idle())) {
        const versions = new Set(this.clients.map((c) => c.version));
        if (versions.size === 1) break;
      }
      if ((this.lockstep ? this.now : this.clock()) - start > settleLimit) {
        const states = this.clients.map((c) => ({ client: c.index, open: c.isOpen, caughtUp: c.caughtUp, inFlight: c.inFlight,
          pending: c.state ? sendableUpdates(c.state).length : null, version: c.state ? c.version : null,
          queued: [c.outgoing.frames.length, c.incoming.frames.length] }));
        throw new FuzzFailure(`clients did not settle within ${settleLimit} ${this.lockstep ? "ticks" : "ms"}: ${JSON.stringify(states)}`);
      }
    }
    const { state } = await observe(this.wsUrl);
    for (const client of this.clients) {
      const text = client.state.doc.toString();
      if (client.version !== state.version || text !== state.code) {
        throw new FuzzFailure(`client ${client.index} diverged: version ${client.version} vs server ${state.version}; `
          + `text ${describeDifference(text, state.code)}`);
      }
    }
    // Checked piece by piece, from version 0 on: the server answers a pull from further back than
    // PULL_MAX_UPDATES with the text, so checkpoints come at least that often (main).
    await this.checkLogSince(state);
    if (final) {
      this.logChecked = { updates: state.version, textLength: state.code.length, utf8Bytes: utf8.encode(state.code).length,
        fingerprint: fingerprint(state.code) };
    }
    this.checkpoints++;
    this.lastGoodCheckpoint = this.step;
    this.record("-", `checkpoint ok at version ${state.version}`);
    if (this.options.progress) {
      const seconds = (performance.now() - this.started) / 1000;
      console.error(`step ${this.step}/${this.steps}: ${this.clientCount} clients agree with the server at version ${state.version} `
        + `(${state.code.length} units), log checked; ${seconds.toFixed(1)} s, ${Math.round(this.step / seconds)} steps/s`);
    }
    return state;
  }

  /** The part of the log since the last checkpoint: it replays to the text, one entry per edit made since. */
  async checkLogSince(state) {
    const { log } = await observe(this.wsUrl, this.logVersion);
    if (log.version !== this.logVersion || this.logVersion + log.updates.length !== state.version) {
      throw new FuzzFailure(`pull from ${this.logVersion} gave ${log.updates.length} updates from version ${log.version}; the session is at ${state.version}`);
    }
    this.logDoc = this.replay(this.logDoc, log.updates, this.logVersion, this.logCounts);
    if (this.logDoc.toString() !== state.code) {
      throw new FuzzFailure(`replaying the log since version ${this.logVersion} does not give the server's text: ${describeDifference(this.logDoc.toString(), state.code)}`);
    }
    this.checkCounts(this.logCounts, `between versions ${this.logVersion} and ${state.version}`);
    this.logVersion = state.version;
  }

  /** Apply logged updates to a text, counting them per clientID. */
  replay(doc, updates, firstVersion, counts) {
    updates.forEach((update, index) => {
      try {
        doc = ChangeSet.fromJSON(update.changes).apply(doc);
      } catch (error) {
        throw new FuzzFailure(`logged update at version ${firstVersion + index} (from ${update.clientID}) does not apply to the replayed text: ${error.message}`);
      }
      counts.set(update.clientID, (counts.get(update.clientID) ?? 0) + 1);
    });
    return doc;
  }

  /** Each client's logged updates must equal the local edits it made: none lost, none twice. */
  checkCounts(counts, where) {
    const left = new Map(counts);
    for (const client of this.clients) {
      const logged = left.get(client.clientID) ?? 0;
      if (logged !== client.edits) {
        throw new FuzzFailure(`client ${client.index} has made ${client.edits} edits but the log holds ${logged} from it `
          + `(${logged > client.edits ? "duplicated" : "lost"}; checked ${where})`);
      }
      left.delete(client.clientID);
    }
    if (left.size) throw new FuzzFailure(`the log holds updates from unknown clients: ${JSON.stringify([...left])}`);
  }

  /** Versions the clients may have added since the log was last checked (confirmed or not). */
  versionsSinceCheck() {
    const pending = this.clients.reduce((n, c) => n + (c.view ? c.pendingCount() : 0), 0);
    return Math.max(...this.clients.map((c) => c.version)) + pending - this.logVersion;
  }

  async main() {
    await this.setup();
    const every = this.options["check-every"];
    for (this.step = 1; this.step <= this.steps; this.step++) {
      await this.tick(true);
      const due = (every > 0 && this.step % every === 0) || this.versionsSinceCheck() > LOG_PIECE;
      if (due && this.step < this.steps) await this.checkpoint(false);
    }
    this.step = this.steps;
    const state = await this.checkpoint(true);
    for (const client of this.clients) client.conn?.ws.close();
    return state;
  }

  figures(ok, extra = {}) {
    const wallSeconds = (performance.now() - this.started) / 1000;
    const sum = (key) => (this.clients ?? []).reduce((n, c) => n + c[key], 0);
    return {
      ok, seed: this.seed, mode: this.options.mode, clients: this.clientCount, steps: this.steps, step: this.step,
      edits: sum("edits"), pushes: sum("pushes"), rejected: sum("rejected"), serverRebased: sum("serverRebased"), pulls: sum("pulls"), reconnects: sum("reconnects"),
      disconnects: this.disconnects, resyncs: sum("resyncs"), dropped: sum("dropped"), noops: sum("noops"), serverCloses: this.serverCloses.length,
      checkpoints: this.checkpoints, framesOut: this.framesOut, framesIn: this.framesIn, bytesOut: this.bytesOut, bytesIn: this.bytesIn,
      wallSeconds: Number(wallSeconds.toFixed(3)), stepsPerSecond: Math.round(this.steps / wallSeconds), ...extra,
    };
  }
}

/** A short hash of a text (FNV-1a over UTF-16 units): equal seeds in lockstep give equal fingerprints. */
function fingerprint(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, "0");
}

function describeDifference(a, b) {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `lengths ${a.length} vs ${b.length}, first difference at ${i}: ${JSON.stringify(a.slice(i, i + 30))} vs ${JSON.stringify(b.slice(i, i + 30))}`;
}

const args = (() => {
  try {
    return parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(error.message);
    process.exit(2);
  }
})();
const run = new FuzzRun(args);
try {
  const state = await run.main();
  const problems = [];
  if (run.serverCloses.length) problems.push(`server closed sockets: ${JSON.stringify(run.serverCloses.slice(0, 5))}`);
  if (run.resyncs || run.clients.some((c) => c.dropped)) problems.push("unexpected session_state resync or dropped edit");
  const figures = run.figures(problems.length === 0, { version: state.version, log: run.logChecked, problems });
  console.log(JSON.stringify(figures));
  process.exit(problems.length ? 1 : 0);
} catch (error) {
  const repro = `node --experimental-websocket tests/node/fuzz_clients.mjs URL ${args.clients} ${args.steps} ${args.seed} `
    + Object.entries(args.options).filter(([k, v]) => OPTIONS[k] !== v).map(([k, v]) => `--${k} ${v}`).join(" ");
  console.error(`FUZZ FAILURE seed=${args.seed} mode=${args.options.mode} at step ${run.step} of ${args.steps} `
    + `(last good checkpoint at step ${run.lastGoodCheckpoint}): ${error.message}`);
  if (!(error instanceof FuzzFailure)) console.error(error.stack);
  console.error(`last actions:\n  ${run.trace.slice(-args.options.trace).join("\n  ")}`);
  console.error(`run again: ${repro.trim()}`);
  console.log(JSON.stringify(run.figures(false, { error: error.message, failedStep: run.step, lastGoodCheckpoint: run.lastGoodCheckpoint })));
  process.exit(1);
}
