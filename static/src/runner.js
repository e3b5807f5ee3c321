// Runs code in a worker per language: loading, runs keyed by id, Stop, the time limit, and input().
import { takeWorker } from "./early-workers.js";
import { languageById } from "./languages/index.js";

const LOAD_TIMEOUT_MS = 60000;
const STOP_GRACE_MS = 2000;
const STDIN_BYTES = 64 * 1024; // the largest line typed at an input() prompt
const STDIN_END = Symbol("end of input"); // Ctrl-D at the prompt
const STDIN_STOP = Symbol("stop");

/**
 * Events: `status` (detail: {language, label, state: "loading"|"ready"|"running"|"failed", text}),
 * `output` (detail: {stream: "stdout"|"stderr"|"system", text}), `done` (detail: {status, ms}),
 * where status is "ok", "error", "stopped" or "timeout".
 */
export class Runner extends EventTarget {
  /** `input` (ui/input.js) gives the Input box's text and shows the prompt for interactive input(). */
  constructor({ timeLimitMs = 10000, input }) {
    super();
    this.timeLimitMs = timeLimitMs;
    this.input = input;
    this.runtimes = new Map(); // language id -> Runtime
    this.language = null;
    this.nextId = 1;
    this.run_ = null; // {id, runtime, started, limitTimer, remainingMs, stopping, timedOut}
    input?.addEventListener("line", (/** @type {CustomEvent} */ { detail }) => this.provideInput(detail));
    input?.addEventListener("end", () => this.provideInput(STDIN_END));
  }

  /** Switches to `id`'s runtime (started on first use; others keep running, loaded). */
  setLanguage(id) {
    const language = languageById(id);
    if (!language || id === this.language) return;
    if (this.run_) this.stop();
    this.language = id;
    if (!this.runtimes.has(id)) this.runtimes.set(id, new Runtime(language, this));
    this.runtimes.get(id).ensureStarted();
    this.input?.describe({
      reader: language.inputReader,
      interactive: Boolean(language.interactiveInput && globalThis.crossOriginIsolated),
    });
    this.report();
  }

  get runtime() {
    return this.runtimes.get(this.language) ?? null;
  }

  get ready() {
    return !this.run_ && this.runtime?.state === "ready";
  }

  get running() {
    return this.run_ !== null;
  }

  /** Runs `code` in a fresh namespace; returns the run id, or null if not ready. */
  run(code) {
    if (!this.ready) return null;
    const runtime = this.runtime;
    const id = this.nextId++;
    this.run_ = { id, runtime, started: performance.now(), limitTimer: null, remainingMs: this.timeLimitMs };
    this.startLimit();
    const message = { type: "run", id, code, stdin: this.input?.text() ?? "" };
    runtime.post(runtime.language.prepareRun?.(message) ?? message); // e.g. SQL adds the session's schema
    this.report();
    return id;
  }

  /** Interrupts the current run; ends it by replacing the worker if it has not stopped within 2 s. */
  stop(reason = "stopped") {
    const run = this.run_;
    if (!run || run.stopping) return;
    run.stopping = reason;
    this.input?.hidePrompt();
    if (run.runtime.interrupt()) {
      run.stopTimer = setTimeout(() => this.kill(run), STOP_GRACE_MS);
    } else {
      this.kill(run);
    }
  }

  kill(run) {
    if (this.run_ !== run) return;
    run.runtime.restart();
    this.finish({ status: run.stopping || "stopped", ms: Math.round(performance.now() - run.started) });
  }

  /** A line typed at the interactive prompt (or STDIN_END). */
  provideInput(line) {
    const run = this.run_;
    if (!run || run.stopping) return;
    run.runtime.answerInput(line);
    this.startLimit();
  }

  startLimit() {
    const run = this.run_;
    clearTimeout(run.limitTimer);
    run.resumedAt = performance.now();
    run.limitTimer = setTimeout(() => {
      this.emit("output", { stream: "system", text: `Stopped: the run took longer than ${formatSeconds(this.timeLimitMs)} (the time limit).` });
      this.stop("timeout");
    }, run.remainingMs);
  }

  /** Waiting for typed input does not count against the time limit. */
  pauseLimit() {
    const run = this.run_;
    clearTimeout(run.limitTimer);
    run.remainingMs = Math.max(0, run.remainingMs - (performance.now() - run.resumedAt));
  }

  // From the runtimes.

  onOutput(runtime, id, stream, text) {
    if (this.run_?.runtime === runtime && this.run_.id === id) this.emit("output", { stream, text });
  }

  onInputRequest(runtime, id, prompt) {
    if (this.run_?.runtime !== runtime || this.run_.id !== id || this.run_.stopping) return;
    this.pauseLimit();
    this.input?.showPrompt(prompt);
  }

  onDone(runtime, id, status, ms) {
    const run = this.run_;
    if (run?.runtime !== runtime || run.id !== id) return;
    this.finish({ status: run.stopping || status, ms });
  }

  onStateChange(runtime) {
    const run = this.run_;
    if (run?.runtime === runtime && runtime.state === "failed") this.finish({ status: "error", ms: null });
    if (runtime === this.runtime) this.report();
  }

  finish(result) {
    const run = this.run_;
    clearTimeout(run.limitTimer);
    clearTimeout(run.stopTimer);
    this.run_ = null;
    this.input?.hidePrompt();
    this.emit("done", result);
    this.report();
  }

  report() {
    const runtime = this.runtime;
    if (!runtime) return;
    const { label } = runtime.language;
    const state = this.run_ && runtime.state === "ready" ? "running" : runtime.state;
    const text = {
      loading: runtime.language.loadingText,
      ready: `${label} ready`,
      running: "Running…",
      failed: `${label} failed to load: ${runtime.failure}`,
    }[state];
    this.emit("status", { language: this.language, label, state, text });
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/** One language's worker: loading, restarting, interrupting, and the channel for typed input. */
class Runtime {
  constructor(language, runner) {
    this.language = language;
    this.runner = runner;
    this.worker = null;
    this.state = "loading";
    this.failure = "";
    this.interruptBuffer = null;
    this.stdin = null; // {control: Int32Array [state, length], data: Uint8Array}
    this.loadTimer = null;
  }

  /** Starts the worker unless it runs; a runtime that failed to load is tried again. */
  ensureStarted() {
    if (!this.worker) this.start();
  }

  start() {
    this.setState("loading");
    // The worker start-runtime.js started while the page loaded, if it is this language's and unused.
    const early = takeWorker(this.language.id);
    const worker = early?.worker ?? new Worker(this.language.workerUrl(), { type: "module", name: this.language.id });
    this.worker = worker;
    const onMessage = ({ data }) => {
      if (worker === this.worker) this.onMessage(data);
    };
    const onError = (event) => {
      if (worker !== this.worker) return;
      event.preventDefault();
      this.fail(event.message || "the worker script could not be loaded");
    };
    worker.addEventListener("message", onMessage);
    worker.addEventListener("error", onError);
    // Cross-origin isolation gives SharedArrayBuffer: an interrupt flag, and a channel a blocked
    // input() can wait on. Elsewhere (e.g. in an iframe) Stop replaces the worker instead.
    if (globalThis.crossOriginIsolated) {
      this.interruptBuffer = this.language.interruptible ? new Int8Array(new SharedArrayBuffer(1)) : null;
      this.stdin = this.language.interactiveInput
        ? { control: new Int32Array(new SharedArrayBuffer(8)), data: new Uint8Array(new SharedArrayBuffer(STDIN_BYTES)) }
        : null;
    }
    worker.postMessage({ type: "init", interruptBuffer: this.interruptBuffer, stdin: this.stdin });
    clearTimeout(this.loadTimer);
    this.loadTimer = setTimeout(() => this.fail("timed out"), LOAD_TIMEOUT_MS);
    // Replayed after the caller's code, as events would come.
    if (early) queueMicrotask(() => early.events.forEach((event) => (event.type === "message" ? onMessage : onError)(event)));
  }

  restart() {
    this.worker?.terminate();
    this.worker = null;
    this.start();
  }

  post(message) {
    this.worker.postMessage(message);
  }

  /** Asks the running code to stop; false when this runtime cannot be interrupted. */
  interrupt() {
    if (!this.interruptBuffer) return false;
    this.interruptBuffer[0] = 2; // SIGINT: raises KeyboardInterrupt in the worker
    this.answerInput(STDIN_STOP); // wake an input() that is waiting
    return true;
  }

  /** Hands a typed line, STDIN_END (end of input) or STDIN_STOP to an input() waiting in the worker. */
  answerInput(line) {
    if (!this.stdin) return;
    const { control, data } = this.stdin;
    if (line === STDIN_END || line === STDIN_STOP) {
      Atomics.store(control, 0, line === STDIN_END ? 3 : 4);
    } else {
      const bytes = new TextEncoder().encode(`${line}\n`).slice(0, data.length);
      data.set(bytes);
      Atomics.store(control, 1, bytes.length);
      Atomics.store(control, 0, 2);
    }
    Atomics.notify(control, 0);
  }

  onMessage(message) {
    switch (message.type) {
      case "ready":
        clearTimeout(this.loadTimer);
        performance.mark(`${this.language.id}-ready`); // read by bench/page_bench.py
        this.setState("ready");
        break;
      case "load-error":
        this.fail(message.message);
        break;
      case "output":
        this.runner.onOutput(this, message.id, message.stream, message.text);
        break;
      case "input-request":
        this.runner.onInputRequest(this, message.id, message.prompt ?? "");
        break;
      case "done":
        this.runner.onDone(this, message.id, message.status, message.ms);
        break;
    }
  }

  fail(reason) {
    clearTimeout(this.loadTimer);
    this.worker?.terminate();
    this.worker = null;
    this.failure = reason;
    this.setState("failed");
  }

  setState(state) {
    this.state = state;
    this.runner.onStateChange(this);
  }
}

function formatSeconds(ms) {
  return `${Math.round(ms / 100) / 10} s`;
}
