// Module worker that runs Python with Pyodide and streams its output to the page.
import { loadPyodide } from "pyodide";

const INDEX_URL = "/static/pyodide/";
const FLUSH_CHARS = 4096;
const FLUSH_MS = 30;
const MAX_OUTPUT_CHARS = 200000;

let interruptBuffer = null;
let pyodide = null;
let currentOutput = null;
let prepareRun = null;

// Python run once after loading. time.sleep blocks this thread, so nothing could post what was
// printed before it: flush first.
const PATCHES = `
import sys, time, _interview_pad
_real_sleep = time.sleep
def sleep(seconds, /):
    sys.stdout.flush()
    sys.stderr.flush()
    _interview_pad.flush()
    _real_sleep(seconds)
sleep.__doc__ = _real_sleep.__doc__
time.sleep = sleep

import linecache
def prepare_run(code):
    """Line-buffers stdout so each line reaches the page as printed, and lets tracebacks quote
    the user's lines (Pyodide keeps no source for "<exec>")."""
    sys.stdout.reconfigure(line_buffering=True)
    linecache.cache["<exec>"] = (len(code), None, code.splitlines(True), "<exec>")
`;
const PATCH_FILENAME = "<interview_pad>";

const loading = loadPyodide({ indexURL: INDEX_URL, env: { PYTHON_COLORS: "0", NO_COLOR: "1" } })
  .then((loaded) => {
    pyodide = loaded;
    pyodide.setStdin({ stdin: () => null }); // input() raises EOFError instead of hanging
    pyodide.registerJsModule("_interview_pad", { flush: () => currentOutput?.flush() });
    const patches = pyodide.toPy({ __name__: "_interview_pad_patches" });
    pyodide.runPython(PATCHES, { globals: patches, filename: PATCH_FILENAME });
    prepareRun = patches.get("prepare_run");
    if (interruptBuffer) pyodide.setInterruptBuffer(interruptBuffer);
    postMessage({ type: "ready" });
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
    if (pyodide) pyodide.setInterruptBuffer(interruptBuffer);
  } else if (data.type === "run") {
    await loading;
    if (pyodide) run(data.id, data.code);
  }
});

/** Batches output chunks per stream, keeps their order, and caps a run's total output. */
class OutputStream {
  constructor(id) {
    this.id = id;
    this.stream = null;
    this.buffer = "";
    this.total = 0;
    this.truncated = false;
    this.lastPost = -Infinity; // the first chunk goes out at once
  }

  write(stream, text) {
    if (this.truncated || text === "") return;
    if (stream !== this.stream) this.flush();
    this.stream = stream;
    const room = MAX_OUTPUT_CHARS - this.total;
    if (text.length > room) {
      this.buffer += text.slice(0, room);
      this.total = MAX_OUTPUT_CHARS;
      this.flush();
      this.truncated = true;
      postMessage({ type: "output", id: this.id, stream: "system", text: "… output truncated (over 200,000 characters)" });
      return;
    }
    this.buffer += text;
    this.total += text.length;
    if (this.buffer.length > FLUSH_CHARS || performance.now() - this.lastPost > FLUSH_MS) this.flush();
  }

  /** The run's final words (a traceback): always shown, even after the cap. */
  writeFinal(stream, text) {
    this.flush();
    postMessage({ type: "output", id: this.id, stream, text });
  }

  flush() {
    if (!this.buffer) return;
    postMessage({ type: "output", id: this.id, stream: this.stream, text: this.buffer });
    this.buffer = "";
    this.lastPost = performance.now();
  }
}

function run(id, code) {
  const started = performance.now();
  const output = new OutputStream(id);
  currentOutput = output;
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
  } else if (failure?.type === "KeyboardInterrupt") {
    status = "stopped"; // the page says "— stopped —"; a traceback into the loop would only be noise
  } else if (failure) {
    status = "error";
    output.writeFinal("stderr", cleanTraceback(String(failure?.message ?? failure)));
  }
  output.flush();
  currentOutput = null;
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
