// The hidden tests, for a host's page: which checks the problem has (`grading`), the results so far
// (`hidden_results`), and when to run them — after each candidate's run (a remembered setting) or on demand — on
// the candidate's confirmed code at the run's version, in this page's own worker (HiddenRunner). Only the cases
// leave this page, in `report_hidden_results`.
import * as protocol from "../protocol.js";
import { HiddenRunner } from "./hidden-runner.js";

const AUTO_KEY = "interview-pad:hidden-tests-after-runs";
const KEEP_RUNS = 50;

/**
 * Events: `change` (anything shown changed), `version` (the confirmed version or language changed), `result`
 * (detail: a new result from the server).
 */
export class HiddenTests extends EventTarget {
  /** `language()`: the session's language now; `isHost(participantId)`: whether that person is a host. */
  constructor({ connection, texts, language, isHost, timeLimitMs }) {
    super();
    this.connection = connection;
    this.texts = texts;
    this.language = language;
    this.isHost = isHost;
    this.runner = new HiddenRunner({ timeLimitMs });
    this.checks = {}; // language -> the problem's hidden checks
    this.policy = "count"; // what candidates see (hidden_results)
    this.problemId = null;
    this.results = []; // as the server stores them, oldest first
    this.runs = new Map(); // run id -> {version, language, name, code?} of candidates' runs seen starting
    this.notes = new Map(); // "runId|version" -> why the version graded is not the run's
    this.busy = null; // {version, language, runId, name} being graded
    this.queued = null; // the next automatic job (only the latest waits)
    this.error = "";
    this.workerState = "";
    this.auto = remembered();
    this.runner.addEventListener("status", (/** @type {CustomEvent} */ { detail }) => {
      this.workerState = detail.state === "failed" ? detail.text : detail.state === "loading" ? detail.text : "";
      this.emit("change");
    });
    connection.addEventListener("message", (/** @type {CustomEvent} */ { detail }) => this.receive(detail));
  }

  /** A server message (also the ones held while this module loaded). */
  receive({ type, data }) {
    if (type === "grading") this.onGrading(data);
    else if (type === "hidden_results" && data.result) this.addResult(data.result);
    else if (type === "run_started" && data.run) this.onRunStarted(data.run);
    else if (type === "run_finished") this.onRunFinished(data);
    else if (type === "error" && String(data.message ?? "").startsWith("report_hidden_results")) {
      this.error = String(data.message);
      this.emit("change");
    } else if (type === "updates" || type === "session_state" || type === "language") {
      if (type !== "updates") this.warm(); // the session's language may have changed
      this.emit("version");
    }
  }

  onGrading({ problem, results }) {
    this.checks = problem?.hidden_checks && typeof problem.hidden_checks === "object" ? problem.hidden_checks : {};
    this.policy = String(problem?.hidden_results ?? "count");
    this.problemId = problem?.problem_id ?? null;
    this.results = [];
    for (const result of Array.isArray(results) ? results : []) this.addResult(result, false);
    this.warm();
    this.emit("change");
  }

  addResult(result, announce = true) {
    if (!result || typeof result !== "object" || this.results.some((r) => r.id === result.id)) return;
    this.results.push(result);
    if (announce) {
      this.error = "";
      this.emit("result", result);
      this.emit("change");
    }
  }

  /** The checks for `language`, or "" when the problem has none in it. */
  checksFor(language = this.language()) {
    return typeof this.checks[language] === "string" ? this.checks[language] : "";
  }

  get latest() {
    return this.results.at(-1) ?? null;
  }

  /** Why the result graded another version than its run's ("" when it graded the run's). */
  noteFor(result) {
    return this.notes.get(`${result.run_id ?? ""}|${result.version}`) ?? "";
  }

  setAuto(on) {
    this.auto = on;
    try {
      localStorage.setItem(AUTO_KEY, on ? "on" : "off");
    } catch {
      // storage blocked: the choice lasts for this page
    }
    this.warm();
    this.emit("change");
  }

  /** With automatic grading on, the worker starts now: checks after a run then answer within a moment. */
  warm() {
    const language = this.language();
    if (this.auto && this.checksFor(language)) this.runner.warm(language);
  }

  onRunStarted(run) {
    if (this.isHost(run.participant) || !this.auto || !this.checksFor(run.language)) return;
    const version = Number(run.version);
    const seen = this.texts.at(version); // the page is normally at the run's version as it starts
    this.runs.set(String(run.id), { version, language: run.language, name: String(run.name ?? "Someone"),
      code: seen.exact && seen.version === version ? seen.text : null });
    while (this.runs.size > KEEP_RUNS) this.runs.delete(this.runs.keys().next().value);
  }

  async onRunFinished({ run_id: runId }) {
    const run = this.runs.get(String(runId));
    if (!run || !this.auto) return;
    this.runs.delete(String(runId));
    const job = { version: run.version, language: run.language, runId: String(runId), name: run.name, code: run.code };
    if (this.busy) this.queued = job;
    else await this.run(job);
  }

  /** "Run hidden tests on version N": the current confirmed version, in the session's language. */
  async runNow() {
    if (this.busy) return;
    await this.run({ version: this.texts.version, language: this.language(), runId: null, name: "", code: null });
  }

  stop() {
    this.queued = null;
    this.runner.stop();
  }

  async run(job) {
    const checks = this.checksFor(job.language);
    if (!checks) return;
    this.busy = job;
    this.error = "";
    this.emit("change");
    try {
      let { version, code } = job;
      if (code === null) {
        await this.texts.reach(version);
        const found = this.texts.at(version);
        if (found.version !== version) {
          this.notes.set(`${job.runId ?? ""}|${found.version}`,
            `The run was on version ${version}; this page had moved on, so version ${found.version} was graded.`);
        }
        ({ version, text: code } = found);
      }
      this.busy = { ...job, version };
      this.emit("change");
      const { cases } = await this.runner.grade({ language: job.language, code, checks });
      const frame = protocol.reportHiddenResults({ version, language: job.language, runId: job.runId, cases });
      if (!this.connection.send(frame)) this.error = "Not connected: these results were not saved. Run them again once the connection is back.";
    } catch (failure) {
      this.error = `The hidden checks could not run: ${failure.message}`;
    } finally {
      this.busy = null;
      this.emit("change");
    }
    const next = this.queued;
    this.queued = null;
    if (next) await this.run(next);
  }

  emit(type, detail = null) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

function remembered() {
  try {
    return localStorage.getItem(AUTO_KEY) !== "off";
  } catch {
    return true;
  }
}
