// The interview timer in the top bar, for everyone: time left (mm:ss) counted in the server's time (`timer`
// carries server_now), amber under 5 minutes, "Time's up" at 0, with a polite announcement at 5 minutes and at
// 0 (not every second). For hosts, controls in the interviewer's bar: start (minutes, 45 by default),
// pause/resume, reset (`set_timer`).
import * as protocol from "../protocol.js";

const WARN_MS = 5 * 60 * 1000;

export class InterviewTimer {
  /** `mount`: where the time shows (the top bar); `controls`: where a host's buttons go (the interviewer's bar). */
  constructor({ connection, mount, toast }) {
    this.connection = connection;
    this.toast = toast;
    this.timer = null; // {duration_ms, elapsed_ms, started_at} in server ms, or null
    this.offset = 0; // server clock minus this page's
    this.phase = ""; // "", "warn", "over": what was last announced
    this.tick = null;
    this.root = make("div", "interview-timer");
    this.root.hidden = true;
    this.clock = make("span", "timer-clock");
    this.clock.setAttribute("role", "timer");
    this.clock.setAttribute("aria-label", "Interview time left");
    this.state = make("span", "timer-state");
    this.live = make("span", "visually-hidden");
    this.live.setAttribute("aria-live", "polite");
    this.root.append(this.clock, this.state, this.live);
    mount.prepend(this.root);
    connection.addEventListener("message", (/** @type {CustomEvent} */ { detail: { type, data } }) => {
      if (type === "timer") this.receive(data);
    });
  }

  /** Adds the host's buttons to `bar` (once). */
  addControls(bar, ask) {
    if (this.controls) return;
    this.ask = ask;
    this.controls = make("div", "timer-controls");
    this.controls.setAttribute("role", "group");
    this.controls.setAttribute("aria-label", "Timer");
    this.startButton = button("Start timer", () => this.start());
    this.pauseButton = button("Pause timer", () => this.send(this.running ? "pause" : "resume"));
    this.resetButton = button("Reset timer", () => this.send("reset"));
    this.controls.append(this.startButton, this.pauseButton, this.resetButton);
    const gap = bar.querySelector(".hostbar-gap");
    if (gap) gap.before(this.controls);
    else bar.append(this.controls);
    this.render();
  }

  get running() {
    return Boolean(this.timer && this.timer.started_at !== null);
  }

  receive(data) {
    const timer = data.timer && typeof data.timer === "object" ? data.timer : null;
    if (Number.isFinite(data.server_now)) this.offset = data.server_now - Date.now();
    const first = this.timer === null;
    this.timer = timer;
    // A timer met already under 5 minutes (on loading the page, or a short one just started) is not announced.
    if (first) this.phase = phaseOf(this.left());
    this.render();
  }

  /** Milliseconds left now (server time). */
  left() {
    const t = this.timer;
    if (!t) return 0;
    const running = t.started_at !== null ? Date.now() + this.offset - t.started_at : 0;
    return Math.max(0, t.duration_ms - t.elapsed_ms - running);
  }

  render() {
    clearTimeout(this.tick);
    const t = this.timer;
    this.root.hidden = !t;
    if (this.controls) {
      this.startButton.querySelector(".label").textContent = t ? "Restart timer" : "Start timer";
      this.pauseButton.hidden = !t;
      this.resetButton.hidden = !t;
      this.pauseButton.querySelector(".label").textContent = this.running ? "Pause timer" : "Resume timer";
    }
    if (!t) return;
    const left = this.left();
    const over = left <= 0;
    this.clock.textContent = over ? "Time's up" : format(left);
    this.state.textContent = this.running || over ? "" : "paused";
    this.root.dataset.tone = over ? "over" : left <= WARN_MS ? "warn" : "";
    const phase = phaseOf(left);
    if (phase && phase !== this.phase) this.live.textContent = phase === "over" ? "Time's up." : "5 minutes left.";
    this.phase = phase;
    if (this.running && !over) this.tick = setTimeout(() => this.render(), (left % 1000) + 20);
  }

  async start() {
    const answer = await this.ask({ title: "Start the interview timer", hint: "Everyone sees the time left; it restarts a running timer.",
      field: { kind: "text", label: "Minutes", value: "45", maxLength: 3 }, confirm: "Start timer" });
    if (answer === null) return;
    const minutes = Number(answer.trim());
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 600) {
      this.toast.show("The timer takes whole minutes, from 1 to 600.");
      return;
    }
    this.send("start", minutes);
  }

  send(action, minutes = undefined) {
    if (!this.connection.send(protocol.setTimer(action, minutes))) this.toast.show("Not connected: try again once the connection is back.");
  }
}

function phaseOf(left) {
  return left <= 0 ? "over" : left <= WARN_MS ? "warn" : "";
}

function format(ms) {
  const seconds = Math.ceil(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  return `${String(minutes).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`;
}

function make(tag, className) {
  const element = document.createElement(tag);
  element.className = className;
  return element;
}

function button(text, onClick) {
  const element = make("button", "button button-quiet");
  element.type = "button";
  const label = make("span", "label");
  label.textContent = text;
  element.append(label);
  element.addEventListener("click", onClick);
  return element;
}
