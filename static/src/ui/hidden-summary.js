// What everyone may see of the hidden tests (`hidden_summary`): one calm line above the output, e.g. "Hidden
// tests: 7 of 10 passed (version 12)", with each case's name when the problem allows it. Never the checks.

export class HiddenSummary {
  /** `before`: the element the line goes above (the output). */
  constructor({ connection, before }) {
    this.line = document.createElement("div");
    this.line.className = "hidden-summary";
    this.line.setAttribute("role", "status");
    this.line.setAttribute("aria-label", "Hidden tests");
    this.line.hidden = true;
    this.problem = null;
    before.before(this.line);
    connection.addEventListener("message", (/** @type {CustomEvent} */ { detail: { type, data } }) => {
      if (type === "hidden_summary") this.show(data);
      else if (type === "session_info" && (data.problem?.id ?? null) !== this.problem) {
        this.problem = data.problem?.id ?? null; // another problem (or none): the last summary was about the old one
        this.line.hidden = true;
      }
    });
  }

  show({ version, passed, total, cases }) {
    if (!Number.isFinite(passed) || !Number.isFinite(total)) return;
    const count = document.createElement("span");
    count.className = "hidden-summary-count";
    count.textContent = `Hidden tests: ${passed} of ${total} passed (version ${version})`;
    this.line.replaceChildren(count);
    this.line.dataset.outcome = passed === total ? "pass" : "fail";
    if (Array.isArray(cases) && cases.length) {
      const names = document.createElement("ul");
      names.className = "hidden-summary-cases";
      for (const item of cases) {
        const li = document.createElement("li");
        li.dataset.passed = String(item.passed === true);
        li.textContent = `${item.passed === true ? "✓" : "✗"} ${String(item.name ?? "")}`;
        names.append(li);
      }
      this.line.append(names);
    }
    this.line.hidden = false;
  }
}
