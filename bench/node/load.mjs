// Load generator: S sessions x P participants; in each session one typist sends each character as its own
// edit at ~10 per second (Etherpad's rate) and the others receive. Two client kinds, one workload:
//   --kind ours         this server's protocol through the page's own sync core (static/src/sync.js)
//   --kind y-websocket  a Yjs document per session through the y-websocket client (WebsocketProvider)
// Latency: from the typist making an edit to each other participant's document holding it (one thread per
// session, one clock). Reports p50/p99/max, edits and frames, the fraction still undelivered --drain
// seconds after typing stops, whether every participant ends with the typist's text, and the generator's
// own CPU and event-loop lag (so one can tell when the generator, not the server, was the limit).
//
// Usage: node bench/node/load.mjs --kind ours --url http://127.0.0.1:8080[,http://127.0.0.1:8081] [--sessions 200] [--participants 4]
//        [--rate 10] [--warmup 3] [--seconds 20] [--drain 5] [--settle 60] [--workers 1] [--no-cursors]
//        node bench/node/load.mjs --kind y-websocket --url ws://127.0.0.1:1234 ...
// Prints JSON lines on stdout: {"event": "connected"|"measuring"|"stopped"|"drained"|"result", ...}
// (bench/load.py --compare reads them to sample the server's CPU over the measured window), and a
// summary on stderr.
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { Histogram } from "./histogram.mjs";

const { values: args } = parseArgs({
  options: {
    kind: { type: "string", default: "ours" },
    url: { type: "string" },
    sessions: { type: "string", default: "200" },
    participants: { type: "string", default: "4" },
    rate: { type: "string", default: "10" },
    warmup: { type: "string", default: "3" },
    seconds: { type: "string", default: "20" },
    drain: { type: "string", default: "5" },
    settle: { type: "string", default: "60" },
    workers: { type: "string", default: "1" },
    "no-cursors": { type: "boolean", default: false },
  },
});
if (!args.url || !["ours", "y-websocket"].includes(args.kind)) {
  console.error("usage: node bench/node/load.mjs --kind ours|y-websocket --url URL [options]; see the file's header");
  process.exit(2);
}
const sessionsWanted = Number(args.sessions);
const participants = Number(args.participants);
const workerCount = Math.max(1, Math.min(Number(args.workers), sessionsWanted));
const YOUNG_GENERATION_MB = 96; // V8 sizes it by itself from 16 MiB semi-spaces
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const emit = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

/** Sessions made with POST /api/sessions, a few at a time. */
async function createSessions(base, count) {
  const ids = [];
  let next = 0;
  const one = async () => {
    while (next++ < count) {
      const response = await fetch(`${base}/api/sessions`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: "{}",
      });
      if (!response.ok) throw new Error(`POST /api/sessions: ${response.status} ${await response.text()}`);
      ids.push((await response.json()).session_id);
    }
  };
  await Promise.all(Array.from({ length: 16 }, one));
  return ids;
}

// Several servers (comma-separated URLs: instances sharing one store): sessions are made on the first, and
// participant p of session s connects to server (s + p) mod n, so every session spans every instance.
const bases = args.url.split(",").map((url) => url.replace(/\/$/, ""));
const targets = args.kind === "ours"
  ? await createSessions(bases[0], sessionsWanted)
  : Array.from({ length: sessionsWanted }, (_, i) => `bench-${process.pid}-${i}`);
const wsBases = args.kind === "ours" ? bases.map((base) => base.replace(/^http/, "ws")) : bases;

// Each worker thread gets whole sessions.
const workers = [];
const replies = new Map(); // event -> [resolve per worker]
const per = Math.ceil(targets.length / workerCount);
for (let w = 0; w < workerCount; w++) {
  const share = targets.slice(w * per, (w + 1) * per);
  const worker = new Worker(new URL("./worker.mjs", import.meta.url), {
    workerData: { worker: w, firstIndex: w * per, targets: share, kind: args.kind, wsBases, participants,
      rate: Number(args.rate), cursors: !args["no-cursors"] },
    // A young generation larger than V8's default: each keystroke makes short-lived garbage in every
    // receiver; with it the generator's CPU fell by ~20 % (y-websocket clients, 400 sessions: 80 -> 65 %).
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
  });
  worker.on("message", (message) => replies.get(message.event)?.shift()?.(message));
  worker.on("error", (error) => {
    console.error(`generator thread ${w} failed:`, error);
    process.exit(1);
  });
  workers.push(worker);
}

/** Waits for `event` from every worker (optionally after sending `command`). */
function all(event, command = null, extra = {}) {
  const answers = workers.map(() => new Promise((resolve) => {
    if (!replies.has(event)) replies.set(event, []);
    replies.get(event).push(resolve);
  }));
  if (command) for (const worker of workers) worker.postMessage({ command, ...extra });
  return Promise.all(answers);
}

const connectStarted = performance.now();
const connected = await all("connected");
const connections = connected.reduce((n, c) => n + c.participants - c.failures, 0);
const failures = connected.reduce((n, c) => n + c.failures, 0);
emit({ event: "connected", connections, failures, seconds: round((performance.now() - connectStarted) / 1000) });

for (const worker of workers) worker.postMessage({ command: "type" });
await sleep(Number(args.warmup) * 1000);
const cpuBefore = process.cpuUsage();
const measureStarted = performance.now();
for (const worker of workers) worker.postMessage({ command: "measure" });
emit({ event: "measuring" });
await sleep(Number(args.seconds) * 1000);
const stopped = await all("stopped", "stop");
const measuredS = (performance.now() - measureStarted) / 1000;
const cpu = process.cpuUsage(cpuBefore);
emit({ event: "stopped", seconds: round(measuredS) });

await sleep(Number(args.drain) * 1000);
const counted = await all("counted", "count");
const missing = counted.reduce((n, c) => n + c.missing, 0);
const expected = counted.reduce((n, c) => n + c.expected, 0);
emit({ event: "drained", undelivered_pct: round(100 * missing / Math.max(1, expected), 2) });

const settled = await all("settled", "settle", { timeoutMs: Number(args.settle) * 1000 });
const latency = new Histogram();
for (const s of settled) latency.merge(new Histogram(s.latency));
const edits = stopped.reduce((n, s) => n + s.edits, 0);
const errors = {};
for (const s of settled) for (const [code, n] of Object.entries(s.errors)) errors[code] = (errors[code] ?? 0) + n;
const generatorCpuPct = round(100 * (cpu.user + cpu.system) / 1e6 / measuredS);
const lagP99 = round(Math.max(...stopped.map((s) => s.lag_p99_ms)));
const result = {
  event: "result", kind: args.kind, sessions: targets.length, participants, connections, connect_failures: failures,
  rate: Number(args.rate), cursors: !args["no-cursors"], cursor_on_push: connected.some((c) => c.cursorOnPush),
  measured_s: round(measuredS),
  edits, edits_per_s: round(edits / measuredS),
  deliveries_expected: edits * (participants - 1), deliveries: latency.n,
  frames_out: stopped.reduce((n, s) => n + s.frames_out, 0), frames_in: stopped.reduce((n, s) => n + s.frames_in, 0),
  p50_ms: latency.percentile(0.5), p99_ms: latency.percentile(0.99), max_ms: latency.max(),
  drain_s: Number(args.drain), undelivered_pct: round(100 * missing / Math.max(1, expected), 2),
  converged_sessions: settled.reduce((n, s) => n + s.converged, 0),
  mismatched: settled.flatMap((s) => s.mismatched).slice(0, 5),
  typed_total: settled.reduce((n, s) => n + s.typed_total, 0),
  closed_sockets: settled.reduce((n, s) => n + s.closed, 0), errors,
  generator: {
    workers: workerCount, cpu_pct: generatorCpuPct, lag_p99_ms: lagP99,
    lag_max_ms: round(Math.max(...stopped.map((s) => s.lag_max_ms))),
    // One thread busy most of the time, or timers firing late: latencies then measure the generator too.
    saturated: generatorCpuPct >= 90 * workerCount || lagP99 > 50,
  },
};
emit(result);
console.error(
  `${args.kind}: ${result.sessions} sessions x ${participants}, ${result.edits_per_s} edits/s; latency p50 ${result.p50_ms} `
  + `p99 ${result.p99_ms} max ${result.max_ms} ms; ${result.deliveries}/${result.deliveries_expected} delivered; `
  + `${result.undelivered_pct} % undelivered ${args.drain} s after typing; ${result.converged_sessions}/${result.sessions} `
  + `sessions converged; generator CPU ${generatorCpuPct} %, loop lag p99 ${lagP99} ms`
  + (Object.keys(errors).length ? `; errors ${JSON.stringify(errors)}` : ""),
);
await Promise.all(workers.map((worker) => {
  const exited = new Promise((resolve) => worker.once("exit", resolve));
  worker.postMessage({ command: "quit" });
  return Promise.race([exited, sleep(5000)]);
}));
process.exit(result.converged_sessions === result.sessions ? 0 : 1);

function round(value) {
  return Math.round(value * 100) / 100;
}
