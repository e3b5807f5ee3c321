// Owns the Python worker: loading, runs keyed by id, Stop by interrupt and then by terminate.
const WORKER_URL = "/static/dist/python-worker.js";
const LOAD_TIMEOUT_MS = 60000;
const STOP_GRACE_MS = 2000;

/**
 * Events: `status` (detail: {state: "loading"|"ready"|"running"|"failed", text}),
 * `output` (detail: {stream: "stdout"|"stderr"|"system", text}), `done` (detail: {status, ms}).
 */
export class Runner extends EventTarget {
  constructor() {
    super();
    this.worker = null;
    this.interruptBuffer = null;
    this.state = "loading";
    this.nextId = 1;
    this.runs = new Map(); // id -> {stopTimer}
    this.loadTimer = null;
  }

  /** Starts (or restarts) a worker and loads Python in it. */
  start() {
    this.setState("loading", "Loading Python…");
    const worker = new Worker(WORKER_URL, { type: "module", name: "python" });
    this.worker = worker;
    worker.addEventListener("message", (event) => {
      if (worker === this.worker) this.onMessage(event.data);
    });
    worker.addEventListener("error", (event) => {
      if (worker !== this.worker) return;
      event.preventDefault();
      this.fail(event.message || "the worker script could not be loaded");
    });
    if (globalThis.crossOriginIsolated) {
      this.interruptBuffer = new Int8Array(new SharedArrayBuffer(1));
      worker.postMessage({ type: "init", interruptBuffer: this.interruptBuffer });
    } else {
      this.interruptBuffer = null;
    }
    clearTimeout(this.loadTimer);
    this.loadTimer = setTimeout(() => this.fail("timed out"), LOAD_TIMEOUT_MS);
  }

  get ready() {
    return this.state === "ready";
  }

  get running() {
    return this.state === "running";
  }

  /** Runs `code` in a fresh namespace; returns the run id, or null if Python is not ready. */
  run(code) {
    if (!this.ready) return null;
    const id = this.nextId++;
    this.runs.set(id, { stopTimer: null });
    this.setState("running", "Running…");
    this.worker.postMessage({ type: "run", id, code });
    return id;
  }

  /** Interrupts the current run; terminates the worker if it has not stopped within 2 s. */
  stop() {
    const [id, run] = [...this.runs][0] ?? [];
    if (id === undefined || run.stopTimer) return;
    if (this.interruptBuffer) {
      this.interruptBuffer[0] = 2; // SIGINT: raises KeyboardInterrupt in the worker
      run.stopTimer = setTimeout(() => this.kill(id), STOP_GRACE_MS);
    } else {
      this.kill(id);
    }
  }

  kill(id) {
    if (!this.runs.has(id)) return;
    this.worker.terminate();
    this.finish(id, { status: "stopped", ms: null });
    this.start();
  }

  onMessage(message) {
    switch (message.type) {
      case "ready":
        clearTimeout(this.loadTimer);
        this.setState("ready", "Python ready");
        break;
      case "load-error":
        this.fail(message.message);
        break;
      case "output":
        if (this.runs.has(message.id)) this.emit("output", { stream: message.stream, text: message.text });
        break;
      case "done":
        if (!this.runs.has(message.id)) break;
        this.finish(message.id, { status: message.status, ms: message.ms });
        this.setState("ready", "Python ready");
        break;
    }
  }

  finish(id, result) {
    clearTimeout(this.runs.get(id).stopTimer);
    this.runs.delete(id);
    this.emit("done", result);
  }

  fail(reason) {
    clearTimeout(this.loadTimer);
    if (this.worker) this.worker.terminate();
    this.worker = null;
    for (const id of [...this.runs.keys()]) this.finish(id, { status: "error", ms: null });
    this.setState("failed", `Python failed to load: ${reason}`);
  }

  setState(state, text) {
    this.state = state;
    this.emit("status", { state, text });
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
