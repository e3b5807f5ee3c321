// The JavaScript runner's sandbox, shared by the JavaScript worker (js-worker.js) and the TypeScript worker
// (ts-worker.js): console output captured, network and storage taken away, top-level await allowed; the run
// lasts until the code and its timers are done. A worker entry calls startSandbox() once.
import { inspect, formatLog } from "./js-format.js";
import { OutputStream } from "./worker-output.js";

const post = self.postMessage.bind(self);
const real = {
  setTimeout: self.setTimeout.bind(self),
  clearTimeout: self.clearTimeout.bind(self),
  setInterval: self.setInterval.bind(self),
  clearInterval: self.clearInterval.bind(self),
};
/** @type {FunctionConstructor} */
const AsyncFunction = /** @type {any} */ (async () => {}).constructor;
let SOURCE_NAME = "main.js"; // set once by startSandbox()
/** @type {((code: string) => {code: string, original: (line: number, column: number) => {line: number, column: number}}) | null} */
let translate = null; // TypeScript's stripTypes (ts-transform.js), or null: the code runs as written
// Nothing a candidate's code needs, and nothing it should reach: the network and this origin's storage.
// (A dynamic import() cannot be taken away here: the Content-Security-Policy of this script blocks it.)
const REMOVED_GLOBALS = [
  "fetch", "XMLHttpRequest", "WebSocket", "WebSocketStream", "WebTransport", "EventSource", "importScripts",
  "indexedDB", "caches", "BroadcastChannel", "Worker", "SharedWorker", "RTCPeerConnection",
  "webkitRequestFileSystem", "webkitRequestFileSystemSync", "webkitResolveLocalFileSystemURL",
  "webkitResolveLocalFileSystemSyncURL", "postMessage", "onmessage", "close",
];
const REMOVED_NAVIGATOR = ["storage", "locks", "serviceWorker"];

let current = null; // {id, output, code, original, timers: Set, settled, status, started, stdinLines, inputNote}
let compiling = null; // {error, where}: the syntax error being located (see locateSyntaxError)

// How many lines the wrapper of `new AsyncFunction` (like `new Function`) puts before the user's first.
const LINE_OFFSET =
  Number(/probe\.js:(\d+)/.exec(new Function("return new Error().stack\n//# sourceURL=probe.js")())?.[1] ?? 1) - 1;

// Stacks as Node prints them, with the user's line numbers and none of this worker's frames (for
// uncaught errors and for errors passed to console.log alike).
/** @type {any} */ (Error).prepareStackTrace = (error, frames) => {
  let header;
  try {
    header = Error.prototype.toString.call(error);
  } catch {
    header = "Error";
  }
  const lines = frames
    .filter((frame) => frame.getScriptNameOrSourceURL() === SOURCE_NAME)
    .map((frame) => {
      const position = originalPosition(frame.getLineNumber() - LINE_OFFSET, frame.getColumnNumber());
      const where = `${SOURCE_NAME}:${position.line}:${position.column}`;
      const name = frame.getFunctionName();
      const at = name && name !== "eval" && name !== "anonymous" ? `${name} (${where})` : where; // the top level
      return `    at ${frame.isAsync?.() ? "async " : ""}${at}`;
    });
  return [header, ...lines].join("\n");
};

/** Where a position of the code that ran is in the code written (the same place, unless it was TypeScript). */
function originalPosition(line, column) {
  return current?.original ? current.original(line, column) : { line, column };
}

/** An uncaught error as Node prints it: where it happened (the line, a caret), then its stack. */
function describeError(error, code) {
  if (!(error instanceof Error)) return `Uncaught ${inspect(error)}`;
  const stack = typeof error.stack === "string" ? error.stack : `${error.name}: ${error.message}`;
  const where = new RegExp(`${SOURCE_NAME}:(\\d+):(\\d+)`).exec(stack);
  return where ? `${pointAt(code, Number(where[1]), Number(where[2]))}\n${stack}` : stack;
}

/** "main.js:3", the source line and a caret under `column`. */
function pointAt(code, line, column) {
  const source = code.split("\n")[line - 1] ?? "";
  const indent = source.slice(0, Math.max(0, column - 1)).replace(/[^\t]/g, " ");
  return `${SOURCE_NAME}:${line}\n${source}\n${indent}^\n`;
}

/** A syntax error as Node prints it. V8 keeps its position on the error and reveals it only to
 * `error` listeners, so it is reported to the listener below, which notes it. */
function describeSyntaxError(error, code, compiledLines) {
  /** @type {{line: number, column: number} | null} */
  let where = null;
  compiling = { error, where: null };
  try {
    self.reportError(error); // dispatched synchronously
    where = compiling.where;
  } finally {
    compiling = null;
  }
  if (!where) return `${error.name}: ${error.message}`;
  const lines = code.replace(/\n+$/, "").split("\n");
  if (where.line > compiledLines) {
    // The parser reached the end of the wrapper around the code: something was left open.
    return `${pointAt(code, lines.length, lines.at(-1).length + 1)}\n${error.name}: Unexpected end of input`;
  }
  const position = originalPosition(where.line, where.column);
  return `${pointAt(code, position.line, position.column)}\n${error.name}: ${error.message}`;
}

/** A syntax error found by `translate`, at its line and column of the code as written; past the last line,
 * as the engine's own error says it: the end of the input, where something was left open. */
function describeTranslationError(error, code) {
  const lines = code.replace(/\n+$/, "").split("\n");
  if (error.line > lines.length) {
    return `${pointAt(code, lines.length, lines.at(-1).length + 1)}\n${error.name}: Unexpected end of input`;
  }
  return `${pointAt(code, error.line, error.column)}\n${error.name}: ${error.message}`;
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

/** Takes `names` off `object` and off every prototype it inherits them from (else they come back
 * as e.g. WorkerGlobalScope.prototype.fetch), then pins them to undefined. */
function remove(object, names) {
  for (let holder = object; holder && holder !== Object.prototype; holder = Object.getPrototypeOf(holder)) {
    for (const name of names) {
      if (Object.getOwnPropertyDescriptor(holder, name)?.configurable) delete holder[name];
    }
  }
  for (const name of names) {
    if (Object.getOwnPropertyDescriptor(object, name)?.configurable !== false) {
      Object.defineProperty(object, name, { value: undefined, writable: false, configurable: false });
    }
  }
}

remove(self, REMOVED_GLOBALS);
remove(self.navigator, REMOVED_NAVIGATOR);
Object.defineProperty(self, "console", { value: sandboxConsole, writable: false, configurable: false });
Object.assign(self, trackedTimers);

// prompt() reads the next line of the Input box, like input() in Python; at the end it returns
// null, and the run ends with a note saying why.
self.prompt = (message = "") => {
  const run = current;
  if (!run) return null;
  if (message) write("stdout", `${message} `);
  if (run.stdinLines.length) {
    const line = run.stdinLines.shift();
    write("stdout", `${line}\n`);
    return line;
  }
  run.inputNote = run.hadBoxInput
    ? "prompt() read past the last line of the Input box, so it returned null."
    : "prompt() returned null: the Input box was empty. Type the program's input there before running.";
  return null;
};

self.addEventListener("error", (event) => {
  event.preventDefault();
  if (compiling && event.error === compiling.error) {
    // Lines count from the start of the compiled function. (Its file name is the worker's own when
    // the error comes before the parser has seen the sourceURL comment at the end.)
    if (event.lineno > 0) compiling.where = { line: event.lineno - LINE_OFFSET, column: event.colno };
    return;
  }
  fail(event.error ?? event.message);
});
self.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  fail(event.reason);
});


async function run(id, code, stdinText) {
  const output = new OutputStream(id);
  const lines = stdinText.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const run = {
    id, output, code, original: null, timers: new Set(), settled: false, status: "ok", started: performance.now(),
    stdinLines: lines, hadBoxInput: lines.length > 0, inputNote: null,
  };
  current = run;
  let compiled = code;
  if (translate) {
    try {
      const translated = translate(code);
      compiled = translated.code;
      run.original = translated.original;
    } catch (error) {
      // A syntax error found while stripping types carries the TypeScript's line and column.
      end(run, Number.isInteger(error?.line) ? describeTranslationError(error, code) : describeError(error, code));
      return;
    }
  }
  let main;
  try {
    main = new AsyncFunction(`${compiled}\n//# sourceURL=${SOURCE_NAME}`);
  } catch (error) {
    const compiledLines = compiled.replace(/\n+$/, "").split("\n").length;
    end(run, error instanceof SyntaxError ? describeSyntaxError(error, code, compiledLines) : describeError(error, code));
    return;
  }
  try {
    await main();
  } catch (error) {
    fail(error);
    return;
  }
  run.settled = true;
  settleIfIdle(run);
}

/** Ends the current run with an uncaught error (thrown, in a timer, or an unhandled rejection). */
function fail(error) {
  const run = current;
  if (!run || run.done) return;
  end(run, describeError(error, run.code));
}

function end(run, message) {
  run.output.writeFinal("stderr", `${message}\n`);
  run.status = "error";
  finish(run);
}

/** Ends a run whose code has settled once no timer is left. A promise rejected without a handler
 * is reported in a task queued after the current one, so the end waits two tasks for it. */
function settleIfIdle(run) {
  if (!run || run !== current || !run.settled || run.timers.size > 0 || run.done || run.closing) return;
  run.closing = true;
  real.setTimeout(() => real.setTimeout(() => {
    run.closing = false;
    if (run === current && run.timers.size === 0 && !run.done) finish(run);
  }, 0), 0);
}

function finish(run) {
  run.done = true;
  run.output.flush();
  if (run.inputNote) run.output.writeFinal("system", run.inputNote);
  for (const timer of run.timers) {
    real.clearTimeout(timer);
    real.clearInterval(timer);
  }
  current = null;
  post({ type: "done", id: run.id, status: run.status, ms: Math.round(performance.now() - run.started) });
}

/**
 * Takes the worker's network and storage away and starts answering runs. `sourceName` names the code in stacks
 * ("main.js"); `translateCode`, if given, turns the code written into the JavaScript that runs and maps positions
 * back (ts-transform.js's stripTypes).
 */
export function startSandbox({ sourceName, translateCode = null }) {
  SOURCE_NAME = sourceName;
  translate = translateCode;
  self.addEventListener("message", ({ data }) => {
    if (data.type === "run") run(data.id, data.code, data.stdin ?? "");
  });
  post({ type: "ready" });
}
