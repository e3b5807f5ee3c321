// Runs everyone sees: a local run is announced, its output streamed and its end reported to the
// server; the runs of others (live, and recent ones on joining) are shown in the output panel.
import { languageById } from "./languages/index.js";
import * as protocol from "./protocol.js";

const MAX_CHUNK_CHARS = 60000; // under the server's 64 KiB per run_output
const CONFIRM_WAIT_MS = 1000; // how long Run waits for the last edits to reach the server
const OUTPUT_BATCH_MS = 100; // output goes to the others at most this often (well under the message rate limit)

export class SharedRuns {
  /** `sessionId` (for fetching a run's whole output): by default the one the connection's URL names. */
  constructor({ connection, collab, runner, presence, output, sessionId = sessionOf(connection) }) {
    this.connection = connection;
    this.sessionId = sessionId;
    this.collab = collab;
    this.runner = runner;
    this.presence = presence;
    this.output = output;
    this.local = null; // {block, shared, unsent output, flushTimer} of this page's run in progress
    this.remote = new Map(); // run id -> block, for runs of others still in progress
    this.shown = new Set(); // ids of runs in the panel (a reconnect's `history` repeats them)
    this.starting = false;
    this.ended = false; // the interview ended: runs stay on this page (the server no longer takes them)
    runner.addEventListener("output", (/** @type {CustomEvent} */ { detail }) => this.onLocalOutput(detail));
    runner.addEventListener("done", (/** @type {CustomEvent} */ { detail }) => this.onLocalDone(detail));
    connection.addEventListener("message", (/** @type {CustomEvent} */ { detail }) => this.onMessage(detail));
    // The server ends a run whose connection closed; the rest of it stays on this page only.
    connection.addEventListener("close", () => {
      if (this.local) this.local.shared = false;
    });
  }

  /** Runs the editor's code here and shares the run (once the last edits are confirmed, so its version is exact).
   * `checks`: code run after the editor's (a problem's checks), which the run's header mentions. */
  async runLocal({ checks = "" } = {}) {
    if (!this.runner.ready || this.starting) return;
    this.starting = true;
    try {
      const deadline = performance.now() + CONFIRM_WAIT_MS;
      while (this.collab.pendingCount() > 0 && this.collab.isConnected() && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    } finally {
      this.starting = false;
    }
    const version = this.collab.getVersion();
    const unconfirmed = this.collab.pendingCount() > 0;
    const language = this.runner.language;
    if (this.runner.run(checks ? `${this.collab.getText()}\n\n${checks}` : this.collab.getText()) === null) return;
    const shared = !this.ended && this.connection.send(protocol.runStart(version, language));
    const me = this.presence.me;
    const block = this.output.startRun({
      who: "You",
      mine: true,
      color: me?.color,
      details: describe({ version, language, at: new Date(), unconfirmed, shared, ended: this.ended })
        + (checks ? " · with the problem's checks" : ""),
    });
    this.local = { block, shared, unsent: [], flushTimer: null };
  }

  onLocalOutput({ stream, text }) {
    if (!this.local) return;
    this.local.block.append(stream, text);
    if (!this.local.shared || stream === "system") return;
    const last = this.local.unsent.at(-1);
    if (last?.stream === stream) last.text += text;
    else this.local.unsent.push({ stream, text });
    this.local.flushTimer ??= setTimeout(() => this.flushOutput(), OUTPUT_BATCH_MS);
  }

  /** Sends the local run's output gathered since the last time, in chunks the server accepts. */
  flushOutput() {
    if (!this.local) return;
    clearTimeout(this.local.flushTimer);
    this.local.flushTimer = null;
    for (const { stream, text } of this.local.unsent.splice(0)) {
      if (!this.local.shared) break;
      for (let start = 0; start < text.length; start += MAX_CHUNK_CHARS) {
        this.connection.send(protocol.runOutput(stream, text.slice(start, start + MAX_CHUNK_CHARS)));
      }
    }
  }

  onLocalDone({ status, ms }) {
    if (!this.local) return;
    this.flushOutput();
    this.local.block.system(describeEnd(status, ms, this.runner.timeLimitMs));
    if (this.local.shared) this.connection.send(protocol.runEnd(status, ms ?? 0));
    this.local = null;
  }

  onMessage({ type, data }) {
    if (type === "history") {
      this.onHistory(Array.isArray(data.runs) ? data.runs.filter((run) => run && typeof run === "object") : []);
    } else if (type === "run_started") {
      if (data.run?.participant !== this.presence.me?.id) this.showRemote(data.run, false);
      else this.shown.add(data.run.id); // ours: already in the panel
    } else if (type === "run_output") {
      this.remote.get(data.run_id)?.append(data.stream, String(data.text ?? ""));
    } else if (type === "run_finished") {
      const block = this.remote.get(data.run_id);
      if (!block) return;
      this.end(block, data);
      this.remote.delete(data.run_id);
    }
  }

  /** The recent runs (on joining, and again after every reconnect). */
  onHistory(runs) {
    const listed = new Set(runs.map((run) => run.id));
    // Streaming when our socket dropped, and no longer among the recent runs: we cannot follow it any more.
    for (const [id, block] of this.remote) {
      if (listed.has(id)) continue;
      this.end(block, { status: "missed" });
      this.remote.delete(id);
    }
    for (const run of runs) this.showRemote(run, true);
  }

  /** A run by someone else (or an earlier run of ours, from `history`). */
  showRemote(run, earlier) {
    if (!run || typeof run !== "object") return;
    if (this.shown.has(run.id)) {
      // Streaming when our socket dropped: what it printed meanwhile is only in `history`, so the block
      // is redrawn from there (the server's copy is the whole output), and ended if it ended meanwhile.
      const block = this.remote.get(run.id);
      if (!block) return;
      block.reset();
      this.appendOutput(block, run.output, run);
      if (run.status) {
        this.end(block, run);
        this.remote.delete(run.id);
      }
      return;
    }
    this.shown.add(run.id);
    const mine = run.participant === this.presence.me?.id;
    const block = this.output.startRun({
      who: mine ? "You" : String(run.name ?? "Someone"),
      mine,
      earlier,
      color: run.color,
      details: describe({ version: run.version, language: run.language, at: new Date(run.started_at), earlier }),
    });
    this.appendOutput(block, run.output, run);
    if (run.status) this.end(block, run);
    else this.remote.set(run.id, block);
  }

  /** Writes a run's output from `history` ([{stream, text}]) into its block; `run` says if only its end came. */
  appendOutput(block, output, run = {}) {
    if (!Array.isArray(output)) return;
    if (run.output_shortened && Number(run.output_omitted_chars) > 0) {
      block.omitted(Number(run.output_omitted_chars));
      block.runId = String(run.id);
    }
    for (const chunk of output) {
      if (chunk) block.append(chunk.stream === "stderr" ? "stderr" : "stdout", String(chunk.text ?? ""));
    }
  }

  end(block, { status, duration_ms: ms = null, truncated = false }) {
    if (truncated) block.system("… output truncated (over 200,000 characters)");
    block.system(describeEnd(status, ms, this.runner.timeLimitMs));
    // Once ended, the server has stored the whole of it (a run in progress is stored when it ends).
    if (block.omittedLine) block.offerAll(() => this.showWholeOutput(block, block.runId));
  }

  /** Fetches a run's whole output (GET /api/sessions/{id}/runs/{run}) and redraws its block with it. */
  async showWholeOutput(block, runId) {
    const response = await fetch(`/api/sessions/${encodeURIComponent(this.sessionId)}/runs/${encodeURIComponent(runId)}`,
      { cache: "no-store" });
    const run = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(run.error ?? `the server answered ${response.status}`);
    block.reset();
    this.appendOutput(block, run.output);
    this.end(block, run);
  }
}

/** The session id in the connection's socket URL (…/ws/{id}). */
function sessionOf(connection) {
  try {
    return decodeURIComponent(new URL(connection.url).pathname.split("/").pop());
  } catch {
    return "";
  }
}

function describe({ version, language, at, unconfirmed = false, shared = true, earlier = false, ended = false }) {
  const label = languageById(language)?.label ?? language;
  const time = Number.isNaN(at.getTime()) ? "" : ` · ${at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" })}`;
  const what = unconfirmed ? `version ${version} plus unsaved edits` : `version ${version}`;
  const notes = [!shared ? (ended ? "not shared: the interview has ended" : "not shared: offline") : "",
    earlier ? "earlier" : ""].filter(Boolean);
  return `${what} · ${label}${time}${notes.length ? ` (${notes.join(", ")})` : ""}`;
}

function describeEnd(status, ms, limitMs) {
  switch (status) {
    case "ok":
      return `— finished in ${formatDuration(ms)} —`;
    case "error":
      return ms == null ? "— error —" : `— error after ${formatDuration(ms)} —`;
    case "stopped":
      return "— stopped —";
    case "timeout":
      return `— stopped: over the ${Math.round((limitMs ?? 10000) / 1000)} s time limit —`;
    case "disconnected":
      return "— the person running it left before it finished —";
    case "missed":
      return "— no longer followed: it may have ended while you were disconnected —";
    default:
      return `— ${status} —`;
  }
}

function formatDuration(ms) {
  if (ms == null) return "?";
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}
