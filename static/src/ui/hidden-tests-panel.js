// The hosts' "Tests" tab: the latest hidden-test result (each case: name, pass/fail, time, message), earlier
// results to pick from, "Run hidden tests on version N", Stop, and the "Run after each candidate run" setting.
// Text only through textContent. The tab's badge shows the latest count ("7/10").
import { languageById } from "../languages/index.js";

const POLICY_TEXT = {
  none: "Candidates see nothing of these results.",
  count: "Candidates see only how many passed.",
  names: "Candidates see each case's name and whether it passed, not its message.",
};
let panels = 0;

export class HiddenTestsPanel {
  /** `tests`: a HiddenTests (grading/hidden-tests.js); `tab`: its PanelHandle, once registered (setTab). */
  constructor({ tests, language }) {
    this.tests = tests;
    this.language = language; // () => the session's language id
    this.tab = null;
    this.chosen = null; // id of an earlier result picked, or null: the latest
    this.root = document.createElement("section");
    this.build();
    tests.addEventListener("change", () => this.render());
    tests.addEventListener("version", () => this.renderControls());
    tests.addEventListener("result", () => {
      this.chosen = null;
      if (this.tab && !this.tab.selected) this.tab.attention("new results");
    });
    this.render();
  }

  setTab(tab) {
    this.tab = tab;
    this.render();
  }

  build() {
    const id = `hidden-tests-${++panels}`;
    const make = (tag, className, text = "") => {
      const element = document.createElement(tag);
      if (className) element.className = className;
      if (text) element.textContent = text;
      return element;
    };
    this.root.className = "grading-panel hidden-tests";
    this.root.setAttribute("aria-labelledby", `${id}-heading`);
    const heading = make("h2", "grading-heading", "Hidden tests");
    heading.id = `${id}-heading`;
    this.policy = make("p", "grading-hint");
    const title = make("div", "grading-title");
    title.append(heading, this.policy);

    this.runButton = make("button", "button button-primary", "Run hidden tests");
    this.runButton.type = "button";
    this.stopButton = make("button", "button", "Stop");
    this.stopButton.type = "button";
    this.stopButton.setAttribute("aria-label", "Stop the hidden tests");
    const autoLabel = make("label", "grading-option");
    this.autoBox = make("input");
    this.autoBox.type = "checkbox";
    autoLabel.append(this.autoBox, document.createTextNode(" Run after each candidate run"));
    const actions = make("div", "grading-actions");
    actions.append(this.runButton, this.stopButton, autoLabel);

    this.status = make("p", "grading-status");
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-label", "Hidden tests status");

    this.result = make("div", "hidden-result");
    this.result.setAttribute("role", "region");
    this.result.setAttribute("aria-label", "Hidden test result");
    this.resultTitle = make("h3", "hidden-result-title");
    this.resultMeta = make("p", "hidden-result-meta");
    this.resultNote = make("p", "hidden-result-note");
    this.cases = make("ol", "hidden-cases");
    this.cases.setAttribute("aria-label", "Hidden test cases");
    this.result.append(this.resultTitle, this.resultMeta, this.resultNote, this.cases);

    const historyLabel = make("label", "grading-field", "Results");
    this.history = make("select", "grading-select");
    historyLabel.append(this.history);
    this.historyRow = make("div", "hidden-history");
    this.historyRow.append(historyLabel);

    const body = make("div", "grading-body");
    body.append(actions, this.status, this.historyRow, this.result);
    const header = make("div", "grading-header");
    header.append(title);
    this.root.append(header, body);

    this.runButton.addEventListener("click", () => this.tests.runNow());
    this.stopButton.addEventListener("click", () => this.tests.stop());
    this.autoBox.addEventListener("change", () => this.tests.setAuto(this.autoBox.checked));
    this.history.addEventListener("change", () => {
      this.chosen = this.history.value === this.tests.latest?.id ? null : this.history.value;
      this.renderResult();
    });
  }

  render() {
    this.policy.textContent = POLICY_TEXT[this.tests.policy] ?? POLICY_TEXT.count;
    this.autoBox.checked = this.tests.auto;
    this.renderControls();
    this.renderHistory();
    this.renderResult();
    this.renderBadge();
  }

  renderControls() {
    const { tests } = this;
    const language = this.language();
    const has = Boolean(tests.checksFor(language));
    const version = tests.texts.version;
    this.runButton.textContent = `Run hidden tests on version ${version}`;
    this.runButton.disabled = !has || Boolean(tests.busy);
    this.stopButton.disabled = !tests.busy;
    let text = "";
    if (tests.busy) {
      const who = tests.busy.name ? ` after ${tests.busy.name}'s run` : "";
      text = `Running the hidden tests on version ${tests.busy.version}${who}…`;
      if (tests.workerState) text += ` (${tests.workerState})`;
    } else if (tests.error) text = tests.error;
    else if (!tests.problemId) text = "No problem is loaded: load one with hidden tests (Load problem) to grade the candidate's code.";
    else if (!has) text = `This problem has no hidden tests in ${labelOf(language)}.`;
    else if (tests.workerState && tests.auto) text = tests.workerState;
    if (this.status.textContent !== text) this.status.textContent = text;
    this.status.dataset.tone = tests.error ? "error" : tests.busy ? "busy" : "";
  }

  renderHistory() {
    const results = this.tests.results;
    this.historyRow.hidden = results.length < 2;
    const options = results.slice().reverse().map((result, index) => {
      const option = new Option(`${index === 0 ? "Latest: " : ""}version ${result.version} · ${result.passed} of ${result.total} passed · ${timeOf(result.at)}`, result.id);
      option.selected = result.id === (this.chosen ?? this.tests.latest?.id);
      return option;
    });
    this.history.replaceChildren(...options);
  }

  renderResult() {
    const result = this.tests.results.find((r) => r.id === this.chosen) ?? this.tests.latest;
    this.result.hidden = !result;
    if (!result) return;
    const all = result.passed === result.total;
    this.result.dataset.outcome = all ? "pass" : "fail";
    this.resultTitle.textContent = `${result.passed} of ${result.total} passed`;
    const parts = [`Version ${result.version}`, labelOf(result.language), `run by ${result.name ?? "a host"}`, timeOf(result.at)];
    if (result.run_id) parts.push("after a candidate's run");
    this.resultMeta.textContent = parts.filter(Boolean).join(" · ");
    const note = this.tests.noteFor(result);
    this.resultNote.textContent = note;
    this.resultNote.hidden = !note;
    this.cases.replaceChildren(...result.cases.map((c) => caseItem(c)));
  }

  renderBadge() {
    const latest = this.tests.latest;
    if (!this.tab) return;
    this.tab.badge(latest ? `${latest.passed}/${latest.total}` : null);
    if (latest) this.tab.tab.dataset.outcome = latest.passed === latest.total ? "pass" : "fail";
    else delete this.tab.tab.dataset.outcome;
  }
}

function caseItem({ name, passed, ms, message }) {
  const item = document.createElement("li");
  item.className = "hidden-case";
  item.dataset.passed = String(passed);
  const mark = document.createElement("span");
  mark.className = "hidden-case-mark";
  mark.setAttribute("aria-hidden", "true");
  mark.textContent = passed ? "✓" : "✗";
  const title = document.createElement("span");
  title.className = "hidden-case-name";
  title.textContent = name;
  const verdict = document.createElement("span");
  verdict.className = "hidden-case-verdict";
  verdict.textContent = passed ? "passed" : "failed";
  const time = document.createElement("span");
  time.className = "hidden-case-time";
  time.textContent = `${Number(ms) < 10 ? Number(ms).toFixed(2) : Math.round(Number(ms))} ms`;
  item.append(mark, title, verdict, time);
  if (message) {
    const text = document.createElement("p");
    text.className = "hidden-case-message";
    text.textContent = message;
    item.append(text);
  }
  return item;
}

function labelOf(language) {
  return languageById(language)?.label ?? String(language ?? "");
}

function timeOf(at) {
  const date = new Date(Number(at));
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}
