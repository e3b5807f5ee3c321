// Module worker that runs Python with Pyodide and streams its output to the page.
import { startPython } from "./python-start.js";
import { OutputStream } from "./worker-output.js";

const INDEX_URL = "/static/pyodide/";

/** @type {Int32Array | null} */
let interruptBuffer = null;
/** @type {{control: Int32Array, data: Uint8Array} | null} */
let stdinChannel = null; // {control: [state, length], data} shared with the page, or null
let pyodide = null;
let stdin = null; // this run's Stdin
let currentOutput = null;
let prepareRun = null;

// Python run once after loading. time.sleep blocks this thread, so nothing could post what was
// printed before it: flush first. A long sleep is cut in slices with an interrupt check between them, so
// Stop ends it at once (KeyboardInterrupt) instead of having to replace the worker after 2 s.
const PATCHES = `
import sys, time, _interview_pad
_real_sleep = time.sleep
_SLICE = 0.05
def sleep(seconds, /):
    sys.stdout.flush()
    sys.stderr.flush()
    _interview_pad.flush()
    if not (isinstance(seconds, (int, float)) and _SLICE < seconds < 1e9):
        return _real_sleep(seconds)  # short, or odd (NaN, negative, huge, Decimal): as CPython does it
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        _real_sleep(min(left, _SLICE))
        _interview_pad.check_interrupt()
sleep.__doc__ = _real_sleep.__doc__
time.sleep = sleep

import builtins
_real_input = builtins.input
def input(prompt="", /):
    """Shows the prompt before waiting (it has no newline, so it would sit in the buffer)."""
    if prompt:
        sys.stdout.write(str(prompt))
    sys.stdout.flush()
    sys.stderr.flush()
    _interview_pad.flush()
    line = sys.stdin.readline()
    if not line:
        _interview_pad.input_ran_out()
        raise EOFError("EOF when reading a line")
    return line[:-1] if line.endswith("\\n") else line
input.__doc__ = _real_input.__doc__
builtins.input = input

import linecache
def prepare_run(code):
    """Line-buffers stdout so each line reaches the page as printed, and lets tracebacks quote
    the user's lines (Pyodide keeps no source for "<exec>")."""
    sys.stdout.reconfigure(line_buffering=True)
    linecache.cache["<exec>"] = (len(code), None, code.splitlines(True), "<exec>")
`;
const PATCH_FILENAME = "<interview_pad>";

// From the start-up snapshot when it fits, else the normal way (python-start.js); either way the page hears "ready"
// (saying which way) or "load-error".
const loading = startPython(INDEX_URL)
  .then(({ loaded, start, why }) => {
    pyodide = loaded;
    pyodide.setStdin({ read: (buffer) => stdin?.read(buffer) ?? 0, isatty: false });
    pyodide.registerJsModule("_interview_pad", {
      flush: () => currentOutput?.flush(),
      check_interrupt: () => pyodide.checkInterrupt(), // raises KeyboardInterrupt once Stop set the buffer
      input_ran_out: () => stdin?.explainEnd(),
    });
    const patches = pyodide.toPy({ __name__: "_interview_pad_patches" });
    pyodide.runPython(PATCHES, { globals: patches, filename: PATCH_FILENAME });
    prepareRun = patches.get("prepare_run");
    if (interruptBuffer) pyodide.setInterruptBuffer(interruptBuffer);
    const how = { start, ...(why ? { why } : {}) };
    performance.mark("python-started", { detail: how }); // read by tests and bench/page_bench.py
    postMessage({ type: "ready", ...how });
  })
  .catch((error) => postMessage({ type: "load-error", message: String(error?.message ?? error) }));

// Pyodide can hang for good when its wasm is missing, blocked or served with the wrong type. Ask
// for it up front (in parallel, a HEAD request) so any of these is reported at once, clearly.
fetch(`${INDEX_URL}pyodide.asm.wasm`, { method: "HEAD" })
  .then((response) => {
    if (!response.ok) throw new Error(`the Python runtime is missing on the server (HTTP ${response.status})`);
    const type = response.headers.get("content-type") ?? "";
    if (!type.startsWith("application/wasm")) {
      throw new Error(`the server sends the Python runtime as "${type}", not application/wasm`);
    }
  })
  .catch((error) => {
    if (!pyodide) postMessage({ type: "load-error", message: String(error?.message ?? error) });
  });

// Pyodide reports a failed wasm download as an unhandled rejection and never settles `loading`:
// turn that into a load error now rather than waiting for the page's time-out.
self.addEventListener("unhandledrejection", (event) => {
  if (pyodide) return;
  event.preventDefault();
  postMessage({ type: "load-error", message: String(event.reason?.message ?? event.reason) });
});

self.addEventListener("message", async ({ data }) => {
  if (data.type === "init") {
    interruptBuffer = data.interruptBuffer;
    stdinChannel = data.stdin;
    if (pyodide && interruptBuffer) pyodide.setInterruptBuffer(interruptBuffer);
  } else if (data.type === "run") {
    await loading;
    if (pyodide) run(data.id, data.code, data.stdin ?? "");
  }
});

/**
 * A run's standard input: the Input box's text first; then, where the page shares a channel
 * (cross-origin isolated), lines typed at a prompt, waited for here; elsewhere end-of-file, with a note.
 */
class Stdin {
  constructor(id, text, output) {
    this.id = id;
    this.pending = new TextEncoder().encode(text);
    this.output = output;
    this.hadBoxInput = text.length > 0;
    this.ended = false;
  }

  read(buffer) {
    if (this.pending.length === 0 && !this.ended) this.pending = this.wait();
    const count = Math.min(buffer.length, this.pending.length);
    buffer.set(this.pending.subarray(0, count));
    this.pending = this.pending.subarray(count);
    return count;
  }

  /** Says why input() found no more input (once per run). */
  explainEnd() {
    if (this.explained || this.stopped) return;
    this.explained = true;
    if (this.hadBoxInput) this.output.writeFinal("system", "input() read past the last line of the Input box.");
    else if (!stdinChannel) this.output.writeFinal("system", "input() found the Input box empty: type the program's input there before running.");
    else return; // ended on purpose (End input)
    if (!stdinChannel) {
      this.output.writeFinal("system", "(Answering input() while the program runs needs the pad open in its own tab.)");
    }
  }

  /** The next typed line (echoed, as a terminal would), or nothing at the end of input. Typed
   * input is asked for only when the Input box was left empty: a filled box ends like a file. */
  wait() {
    if (!stdinChannel || this.hadBoxInput) {
      this.ended = true;
      return new Uint8Array(0);
    }
    const { control, data } = stdinChannel;
    this.output.flush();
    Atomics.store(control, 0, 1);
    postMessage({ type: "input-request", id: this.id, prompt: "" });
    while (Atomics.load(control, 0) === 1) {
      Atomics.wait(control, 0, 1, 250);
      if (interruptBuffer && interruptBuffer[0] === 2) break;
    }
    const state = Atomics.load(control, 0); // 2: a line, 3: end of input, 4: Stop
    Atomics.store(control, 0, 0);
    if (state !== 2) {
      this.ended = true;
      this.stopped = state !== 3; // Stop was pressed while it waited
      return new Uint8Array(0);
    }
    const line = data.slice(0, Atomics.load(control, 1));
    this.output.write("stdout", new TextDecoder().decode(line));
    return line;
  }
}

function run(id, code, stdinText) {
  const started = performance.now();
  const output = new OutputStream(id);
  currentOutput = output;
  stdin = new Stdin(id, stdinText, output);
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  for (const stream of ["stdout", "stderr"]) {
    const write = (bytes) => {
      output.write(stream, decoders[stream].decode(bytes, { stream: true }));
      return bytes.length;
    };
    // Not ttys, so tracebacks come without colour codes.
    if (stream === "stdout") pyodide.setStdout({ write, isatty: false });
    else pyodide.setStderr({ write, isatty: false });
  }
  if (interruptBuffer) interruptBuffer[0] = 0;
  const dict = pyodide.globals.get("dict");
  const globals = dict();
  globals.set("__name__", "__main__");
  let failure = null;
  prepareRun(code);
  try {
    pyodide.runPython(code, { globals, filename: "<exec>" });
  } catch (error) {
    failure = error;
  }
  flushPythonStreams(); // text printed before an exception comes before its traceback
  globals.destroy();
  dict.destroy();
  let status = "ok";
  if (failure?.type === "SystemExit") {
    // sys.exit(): not an error; CPython prints only a non-numeric exit message.
    const message = /SystemExit: (.*)\s*$/.exec(String(failure.message))?.[1] ?? "";
    if (message && !/^\d+$|^None$/.test(message)) output.write("stderr", `${message}\n`);
  } else if (failure?.type === "KeyboardInterrupt" || (failure && stdin.stopped)) {
    status = "stopped"; // the page says "— stopped —"; a traceback into the loop would only be noise
  } else if (failure) {
    status = "error";
    output.writeFinal("stderr", cleanTraceback(String(failure?.message ?? failure)));
  }
  output.flush();
  currentOutput = null;
  stdin = null;
  postMessage({ type: "done", id, status, ms: Math.round(performance.now() - started) });
}

function flushPythonStreams() {
  try {
    pyodide.runPython("import sys\nsys.stdout.flush()\nsys.stderr.flush()");
  } catch {
    // Nothing left to show.
  }
}

/** Drops Pyodide's own frames (and their source lines) from a traceback, keeping the user's. */
function cleanTraceback(text) {
  const lines = text.replace(/\n+$/, "").split("\n");
  const kept = [];
  let skipping = false;
  for (const line of lines) {
    const frame = /^ {2}File "([^"]*)", line \d+/.exec(line);
    if (frame) skipping = isInternal(frame[1]);
    else if (!line.startsWith("    ")) skipping = false;
    if (!skipping) kept.push(line);
  }
  // A traceback left with no frame at all (e.g. a SyntaxError) reads better without its header.
  if (kept[0] === "Traceback (most recent call last):" && !kept.some((l) => l.startsWith("  File "))) kept.shift();
  return kept.join("\n") + "\n";
}

function isInternal(path) {
  return path === PATCH_FILENAME || /\/_pyodide\/|\/pyodide\/|_base\.py$|^\/lib\/python\d+\.zip\/(_pyodide|pyodide)\b/.test(path);
}
