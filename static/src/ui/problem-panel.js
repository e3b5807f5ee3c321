// The problem beside the editor: its title, its Markdown prompt, and "Run checks" when it has checks for
// the session's language. Hidden while the session has no problem. The Markdown renderer is loaded the first
// time a prompt is shown (it is not first-load code).

let panels = 0; // for unique element ids

/**
 * Events: `run-checks` (detail: {language, checks}: the checks' source for that language),
 * `toggle` (detail: {expanded}).
 */
export class ProblemPanel extends EventTarget {
  constructor({ root }) {
    super();
    this.root = root;
    this.problem = null;
    this.language = null;
    this.showCount = 0; // counts show() calls: a prompt rendered for an older one is dropped
    const doc = root.ownerDocument;
    const make = (tag, className, text) => {
      const element = doc.createElement(tag);
      element.className = className;
      if (text) element.textContent = text;
      return element;
    };
    root.classList.add("problem-panel");
    root.setAttribute("aria-label", "Problem");
    root.hidden = true;
    this.title = make("h2", "problem-title");
    this.toggle = make("button", "problem-toggle button button-quiet");
    this.toggle.type = "button";
    this.body = make("div", "problem-body");
    this.body.id = `problem-body-${++panels}`;
    this.toggle.setAttribute("aria-controls", this.body.id);
    const header = make("div", "problem-header");
    header.append(this.title, this.toggle);
    this.prompt = make("div", "problem-prompt rendered-markdown");
    this.runChecks = make("button", "problem-run-checks button", "Run checks");
    this.runChecks.type = "button";
    this.actions = make("div", "problem-actions");
    this.actions.append(this.runChecks);
    this.body.append(this.prompt, this.actions);
    root.append(header, this.body);
    this.setExpanded(true);
    this.toggle.addEventListener("click", () => this.setExpanded(!this.expanded));
    this.runChecks.addEventListener("click", () => {
      const checks = this.checks;
      if (checks) this.dispatchEvent(new CustomEvent("run-checks", { detail: { language: this.language, checks } }));
    });
  }

  /** Shows `element` under the prompt, above "Run checks" (e.g. an SQL problem's tables, ui/sql-schema.js). */
  addSection(element) {
    this.actions.before(element);
  }

  get expanded() {
    return this.toggle.getAttribute("aria-expanded") === "true";
  }

  /** The checks' source for the current language, or null. */
  get checks() {
    const checks = this.problem?.checks?.[this.language];
    return typeof checks === "string" && checks.trim() ? checks : null;
  }

  /** Shows `problem` ({id, title, prompt, checks}), or hides the panel for null; a new problem opens expanded. */
  show(problem) {
    const valid = problem && typeof problem === "object";
    if (valid && problem.id !== this.problem?.id) this.setExpanded(true);
    this.problem = valid ? problem : null;
    this.showCount += 1;
    this.root.hidden = !valid;
    if (!valid) {
      this.title.textContent = "";
      this.prompt.replaceChildren();
    } else {
      this.title.textContent = typeof problem.title === "string" && problem.title.trim() ? problem.title : "Problem";
      this.showPrompt(typeof problem.prompt === "string" ? problem.prompt : "");
    }
    this.updateChecks();
  }

  /** Renders `prompt` once the renderer is loaded, unless show() was called again; as plain text if it fails. */
  showPrompt(prompt) {
    const shown = this.showCount;
    const doc = this.root.ownerDocument;
    import("../markdown.js").then(
      ({ renderMarkdown }) => renderMarkdown(prompt, doc),
      () => doc.createTextNode(prompt),
    ).then((content) => {
      if (this.showCount !== shown) return;
      this.prompt.replaceChildren(content);
      // A code block wider than the pane scrolls sideways: focusable, so the keyboard can scroll it too.
      for (const pre of this.prompt.querySelectorAll("pre")) pre.tabIndex = 0;
      this.prompt.scrollTop = 0;
    });
  }

  /** The session's language ("python", "javascript"): "Run checks" shows only if the problem has checks for it. */
  setLanguage(language) {
    this.language = language;
    this.updateChecks();
  }

  setExpanded(expanded) {
    const changed = expanded !== this.expanded;
    this.toggle.setAttribute("aria-expanded", String(expanded));
    // Short words beside the title; the name says what they hide or show.
    this.toggle.textContent = expanded ? "Hide" : "Show";
    this.toggle.setAttribute("aria-label", expanded ? "Hide problem" : "Show problem");
    this.body.hidden = !expanded;
    this.root.classList.toggle("collapsed", !expanded);
    if (changed) this.dispatchEvent(new CustomEvent("toggle", { detail: { expanded } }));
  }

  updateChecks() {
    this.actions.hidden = this.checks === null;
  }

  destroy() {
    this.root.replaceChildren();
    this.root.classList.remove("problem-panel", "collapsed");
    this.root.removeAttribute("aria-label");
  }
}
