// Module worker that runs JavaScript: console output captured, network and storage taken away,
// top-level await allowed; the run lasts until the code and its timers are done.
import { inspect, formatLog } from "./js-format.js";
import { OutputStream } from "./worker-output.js";

const post = self.postMessage.bind(self);
const real = {
  setTimeout: self.setTimeout.bind(self),
  clearTimeout: self.clearTimeout.bind(self),
  setInterval: self.setInterval.bind(self),
  clearInterval: self.clearInterval.bind(self),
};
const AsyncFunction = (async () => {}).constructor;
const SOURCE_NAME = "main.js";
// Nothing a candidate's code needs, and nothing it should reach: the network and this origin's storage.
const REMOVED_GLOBALS = [
  "fetch", "XMLHttpRequest", "WebSocket", "WebTransport", "EventSource", "importScripts", "indexedDB",
  "caches", "BroadcastChannel", "Worker", "SharedWorker", "RTCPeerConnection", "postMessage", "onmessage",
];

let current = null; // {id, output, timers: Set, settled, status, started, stdinLines}

// How many lines the wrapper of `new AsyncFunction` (like `new Function`) puts before the user's first.
const LINE_OFFSET =
  Number(/probe\.js:(\d+)/.exec(new Function("return new Error().stack\n//# sourceURL=probe.js")())?.[1] ?? 1) - 1;

function withUserLines(text) {
  return String(text).replace(new RegExp(`${SOURCE_NAME}:(\\d+)`, "g"), (_, line) => `${SOURCE_NAME}:${Number(line) - LINE_OFFSET}`);
}

/** An error as Node prints it, with the user's line numbers and none of this worker's frames. */
function describeError(error) {
  if (!(error instanceof Error)) return `Uncaught ${inspect(error)}`;
  const lines = String(error.stack || `${error.name}: ${error.message}`).split("\n");
  const kept = lines.filter((line, index) => index === 0 || !/^\s+at /.test(line) || line.includes(SOURCE_NAME));
  const text = withUserLines(kept.join("\n"));
  return text.startsWith(`${error.name}`) ? text : `${error.name}: ${error.message}\n${text}`;
}

function write(stream, text) {
  current?.output.write(stream, text);
}

const sandboxConsole = {
  log: (...args) => write("stdout", `${formatLog(args)}\n`),
  info: (...args) => write("stdout", `${formatLog(args)}\n`),
  debug: (...args) => write("stdout", `${formatLog(args)}\n`),
  error: (...args) => write("stderr", `${formatLog(args)}\n`),
  warn: (...args) => write("stderr", `${formatLog(args)}\n`),
  trace: (...args) => write("stderr", `Trace: ${formatLog(args)}\n`),
  dir: (value) => write("stdout", `${inspect(value)}\n`),
  table: (value) => write("stdout", `${inspect(value)}\n`),
  assert: (condition, ...args) => {
    if (!condition) write("stderr", `Assertion failed${args.length ? `: ${formatLog(args)}` : ""}\n`);
  },
};

/** Timers that keep a run alive until they are done, as in Node. */
const trackedTimers = {
  setTimeout(callback, ms, ...args) {
    const run = current;
    const id = real.setTimeout(() => {
      run?.timers.delete(id);
      if (typeof callback === "function") callback(...args);
      settleIfIdle(run);
    }, ms);
    run?.timers.add(id);
    return id;
  },
  clearTimeout(id) {
    real.clearTimeout(id);
    current?.timers.delete(id);
    settleIfIdle(current);
  },
  setInterval(callback, ms, ...args) {
    const id = real.setInterval(() => {
      if (typeof callback === "function") callback(...args);
    }, ms);
    current?.timers.add(id);
    return id;
  },
  clearInterval(id) {
    real.clearInterval(id);
    current?.timers.delete(id);
    settleIfIdle(current);
  },
};

for (const name of REMOVED_GLOBALS) {
  Object.defineProperty(self, name, { value: undefined, writable: false, configurable: false });
}
Object.defineProperty(self, "console", { value: sandboxConsole, writable: false, configurable: false });
Object.assign(self, trackedTimers);
// prompt() reads the next line of the Input box (null at the end), like input() in Python.
self.prompt = (message = "") => {
  if (message) write("stdout", `${message} `);
  const line = current?.stdinLines.length ? current.stdinLines.shift() : null;
  if (line !== null) write("stdout", `${line}\n`);
  return line;
};

self.addEventListener("error", (event) => {
  event.preventDefault();
  fail(event.error ?? event.message);
});
self.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  fail(event.reason);
});

self.addEventListener("message", ({ data }) => {
  if (data.type === "run") run(data.id, data.code, data.stdin ?? "");
});

async function run(id, code, stdinText) {
  const output = new OutputStream(id);
  const lines = stdinText.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const run = { id, output, timers: new Set(), settled: false, status: "ok", started: performance.now(), stdinLines: lines };
  current = run;
  try {
    const main = new AsyncFunction(`${code}\n//# sourceURL=${SOURCE_NAME}`);
    await main();
  } catch (error) {
    fail(error);
    return;
  }
  run.settled = true;
  settleIfIdle(run);
}

function fail(error) {
  const run = current;
  if (!run || run.done) return;
  run.output.writeFinal("stderr", `${describeError(error)}\n`);
  run.status = "error";
  finish(run);
}

function settleIfIdle(run) {
  if (run && run === current && run.settled && run.timers.size === 0 && !run.done) finish(run);
}

function finish(run) {
  run.done = true;
  run.output.flush();
  for (const timer of run.timers) {
    real.clearTimeout(timer);
    real.clearInterval(timer);
  }
  current = null;
  post({ type: "done", id: run.id, status: run.status, ms: Math.round(performance.now() - run.started) });
}

post({ type: "ready" });
