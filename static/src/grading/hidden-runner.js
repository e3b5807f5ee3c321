// Runs the hidden checks in the interviewer's own worker (a Runner of its own, never the shared run's): builds
// the program (hidden-program.js), collects what it prints, and reads the cases back. Nothing of it is shown in
// the Output panel or sent to anyone; the caller reports the cases (report_hidden_results).
import { Runner } from "../runner.js";
import { hiddenProgram, newNonce, readHiddenResults } from "./hidden-program.js";

const READY_WAIT_MS = 60000; // a worker still loading (Python) gets this long before the checks give up

/** Events: `status` (detail: {state: "loading" | "ready" | "running" | "failed", text}) of its worker. */
export class HiddenRunner extends EventTarget {
  constructor({ timeLimitMs }) {
    super();
    this.runner = new Runner({ timeLimitMs, input: null });
    this.current = null; // {output, resolve} of the checks running now
    this.runner.addEventListener("status", (/** @type {CustomEvent} */ { detail }) =>
      this.dispatchEvent(new CustomEvent("status", { detail })));
    this.runner.addEventListener("output", (/** @type {CustomEvent} */ { detail }) => this.current?.output.push(detail));
    this.runner.addEventListener("done", (/** @type {CustomEvent} */ { detail }) => this.current?.resolve(detail));
  }

  get timeLimitMs() {
    return this.runner.timeLimitMs;
  }

  get running() {
    return this.current !== null;
  }

  /** Starts `language`'s worker ahead of time, so checks after a run answer within a moment. */
  warm(language) {
    this.runner.setLanguage(language);
  }

  /**
   * Runs `checks` on `code`; resolves with {cases, passed, total} — a crash, time-out or Stop is a failed case.
   * @param {{language: string, code: string, checks: string}} job
   */
  async grade({ language, code, checks }) {
    if (this.current) throw new Error("hidden checks are already running");
    this.runner.setLanguage(language);
    const output = [];
    const done = new Promise((resolve) => (this.current = { output, resolve }));
    try {
      if (!(await this.whenReady())) {
        return readHiddenResults("", "", `not run: ${this.runner.runtime?.failure || "the worker did not start"}`);
      }
      if (this.stopped) return readHiddenResults("", "", "stopped by the interviewer before it started");
      const nonce = newNonce();
      this.runner.run(hiddenProgram(language, code, checks, nonce));
      const { status } = /** @type {{status: string}} */ (await done);
      const results = readHiddenResults(textOf(output, "stdout"), nonce, ending(status, output, this.timeLimitMs));
      return results.total > 0 ? results : readHiddenResults("", "", "the hidden checks reported no case");
    } finally {
      this.current = null;
      this.stopped = false;
    }
  }

  /** Stops the checks running now (as Stop stops a run). */
  stop() {
    if (!this.current) return;
    this.stopped = true;
    this.runner.stop();
  }

  async whenReady() {
    const deadline = performance.now() + READY_WAIT_MS;
    while (!this.runner.ready && !this.stopped && performance.now() < deadline) {
      if (this.runner.runtime?.state === "failed") return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.runner.ready || this.stopped;
  }
}

function textOf(output, stream) {
  return output.filter((chunk) => chunk.stream === stream).map((chunk) => chunk.text).join("");
}

/** Why the checks ended early, in words ("" when they ran to the end). */
function ending(status, output, limitMs) {
  if (status === "timeout") return `timed out: over the ${Math.round(limitMs / 1000)} s time limit`;
  if (status === "stopped") return "stopped by the interviewer";
  const truncated = output.some((chunk) => chunk.stream === "system" && chunk.text.includes("truncated"));
  if (status === "error") {
    const last = textOf(output, "stderr").trim().split("\n").filter(Boolean).at(-1) ?? "";
    return `the code could not run to the checks${last ? `: ${last}` : ""}`;
  }
  if (truncated) return "the output was cut short (over 200,000 characters), so some results may be missing";
  return "";
}
