// One generator thread: some sessions, each with one typist and its receivers, driven by load.mjs.
// A session lives in one thread, so a typist's send and its receivers' receipts share one clock.
import { performance, monitorEventLoopDelay } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import { OursClient, YjsClient } from "./clients.mjs";
import { Histogram } from "./histogram.mjs";

const TYPING = "for i in range(10):\n    print(i * i)\n";
const CONNECT_CONCURRENCY = 32;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const config = workerData;
process.setMaxListeners(0); // y-websocket adds an exit listener per provider
const counters = { in: 0, out: 0 };
const latency = new Histogram();
let measuring = false;
let typing = false;

class Session {
  constructor(index, target) {
    this.index = index;
    this.sentAt = []; // keystroke i: when the typist made it (performance.now())
    this.measured = []; // keystroke i was typed in the measured window
    this.typed = "";
    this.baseline = 0; // length of the document before typing (the session's starter code)
    this.clients = Array.from({ length: config.participants }, (_, number) => {
      const name = `t${config.worker}s${index}p${number}`;
      const onChange = number === 0 ? () => {} : () => this.received(number);
      const common = { name, cursors: config.cursors, counters, onChange };
      const wsBase = config.wsBases[(index + number) % config.wsBases.length];
      return config.kind === "ours"
        ? new OursClient({ ...common, url: `${wsBase}/ws/${target}` })
        : new YjsClient({ ...common, url: wsBase, room: target });
    });
    this.seen = new Array(config.participants).fill(0); // keystrokes each receiver has
  }

  get typist() {
    return this.clients[0];
  }

  /** Receiver `number`'s document changed: every keystroke it now has for the first time is delivered. */
  received(number) {
    const have = this.clients[number].length - this.baseline;
    if (have <= this.seen[number]) return;
    const now = performance.now();
    for (let i = this.seen[number]; i < have && i < this.sentAt.length; i++) {
      if (this.measured[i]) latency.add(now - this.sentAt[i]);
    }
    this.seen[number] = Math.max(this.seen[number], have);
  }

  keystroke() {
    if (!typing || this.typist.closed) return;
    const char = TYPING[this.typed.length % TYPING.length];
    this.typed += char;
    this.sentAt.push(performance.now());
    this.measured.push(measuring);
    if (measuring) stats.edits++;
    this.typist.type(char);
  }

  undelivered() {
    let missing = 0;
    for (let number = 1; number < this.clients.length; number++) {
      missing += Math.max(0, this.typed.length - (this.clients[number].length - this.baseline));
    }
    return missing;
  }

  converged() {
    if (!this.typist.settled()) return false;
    const text = this.typist.text();
    return this.clients.every((client) => client.text() === text);
  }
}

const stats = { edits: 0 };
const sessions = config.targets.map((target, i) => new Session(config.firstIndex + i, target));
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
const failures = {};
let timers = [];

async function connectAll() {
  const clients = sessions.flatMap((session) => session.clients);
  let next = 0;
  const worker = async () => {
    while (next < clients.length) {
      const client = clients[next++];
      try {
        await client.connect();
      } catch (error) {
        const key = String(error?.message ?? error).slice(0, 120);
        failures[key] = (failures[key] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker));
  for (const session of sessions) session.baseline = session.typist.length;
}

function startTyping() {
  typing = true;
  const period = 1000 / config.rate;
  for (const session of sessions) {
    // Each typist at its own phase, so the keystrokes of all sessions spread over the period.
    const start = setTimeout(() => {
      timers.push(setInterval(() => session.keystroke(), period));
      session.keystroke();
    }, Math.random() * period);
    timers.push(start);
  }
}

function stopTyping() {
  typing = false;
  for (const timer of timers) clearTimeout(timer); // clears intervals too
  timers = [];
}

function tally() {
  const errors = { ...failures };
  let closed = 0;
  for (const client of sessions.flatMap((session) => session.clients)) {
    for (const [code, n] of Object.entries(client.errors)) errors[code] = (errors[code] ?? 0) + n;
    if (client.closed) closed++;
  }
  return { errors, closed };
}

async function settle(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !sessions.every((session) => session.converged())) await sleep(100);
  const mismatched = [];
  let typedTotal = 0;
  for (const session of sessions) {
    typedTotal += session.typed.length;
    const texts = session.clients.map((client) => client.text());
    const typistHasAll = texts[0].length === session.baseline + session.typed.length
      && texts[0].endsWith(session.typed);
    if (!typistHasAll || texts.some((text) => text !== texts[0]) || !session.typist.settled()) {
      mismatched.push({ session: session.index, typed: session.typed.length, lengths: texts.map((t) => t.length - session.baseline) });
    }
  }
  return { sessions: sessions.length, converged: sessions.length - mismatched.length, mismatched: mismatched.slice(0, 5), typed_total: typedTotal };
}

let frameMark = { in: 0, out: 0 };
parentPort.on("message", async ({ command, timeoutMs }) => {
  if (command === "type") startTyping();
  else if (command === "measure") {
    measuring = true;
    frameMark = { ...counters };
    lag.reset();
  } else if (command === "stop") {
    measuring = false;
    stopTyping();
    parentPort.postMessage({
      event: "stopped", edits: stats.edits, frames_in: counters.in - frameMark.in, frames_out: counters.out - frameMark.out,
      lag_p99_ms: lag.percentile(99) / 1e6, lag_max_ms: lag.max / 1e6, lag_mean_ms: lag.mean / 1e6,
    });
  } else if (command === "count") {
    let missing = 0;
    let expected = 0;
    for (const session of sessions) {
      missing += session.undelivered();
      expected += session.typed.length * (config.participants - 1);
    }
    parentPort.postMessage({ event: "counted", missing, expected });
  } else if (command === "settle") {
    const result = await settle(timeoutMs);
    parentPort.postMessage({ event: "settled", ...result, ...tally(), latency: latency.toJSON() });
  } else if (command === "quit") {
    for (const client of sessions.flatMap((session) => session.clients)) client.close();
    await sleep(200);
    process.exit(0);
  }
});

await connectAll();
const participants = sessions.reduce((n, session) => n + session.clients.length, 0);
parentPort.postMessage({ event: "connected", participants, cursorOnPush: Boolean(sessions[0]?.typist.cursorOnPush), failures: Object.values(failures).reduce((a, b) => a + b, 0) });
