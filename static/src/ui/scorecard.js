// The hosts' "Scorecard" tab: my card against the session's rubric (a score per criterion as a radio group, a
// comment, a recommendation), saved after a pause with compare-and-set (`set_scorecard` on the card's version);
// the other hosts' cards, read-only, below; and "Open report". My card's id is kept per session in localStorage,
// so a reload goes on editing the same card.
import * as protocol from "../protocol.js";

const RECOMMENDATIONS = [["", "No recommendation yet"], ["strong_no", "Strong no"], ["no", "No"], ["mixed", "Mixed"],
  ["yes", "Yes"], ["strong_yes", "Strong yes"]];
const STATES = {
  empty: ["Not started", ""],
  saved: ["Saved", "ok"],
  saving: ["Saving…", "busy"],
  offline: ["Not saved yet: offline", "warn"],
  refused: ["Not saved: ", "error"],
};
const MAX_COMMENT = 5000;
let panels = 0;

/** Events: `open-report`. */
export class ScorecardPanel extends EventTarget {
  constructor({ connection, sessionId, debounceMs = 600 }) {
    super();
    this.connection = connection;
    this.debounceMs = debounceMs;
    this.cardId = cardIdFor(sessionId);
    this.rubric = [];
    this.cards = new Map(); // card id -> card, every host's
    this.base = null; // my card as the server last confirmed it
    this.edited = false; // the form holds changes not yet confirmed
    this.inFlight = false;
    this.timer = null;
    this.tab = null;
    this.root = document.createElement("section");
    this.id = `scorecard-${++panels}`;
    this.build();
    connection.addEventListener("message", (/** @type {CustomEvent} */ { detail }) => this.receive(detail));
    connection.addEventListener("close", () => {
      this.inFlight = false;
      this.updateStatus();
    });
  }

  build() {
    const make = (tag, className, text = "") => {
      const element = document.createElement(tag);
      if (className) element.className = className;
      if (text) element.textContent = text;
      return element;
    };
    this.make = make;
    this.root.className = "grading-panel scorecard";
    this.root.setAttribute("aria-labelledby", `${this.id}-heading`);
    const heading = make("h2", "grading-heading", "Scorecard");
    heading.id = `${this.id}-heading`;
    const hint = make("p", "grading-hint", "Yours, seen by the other hosts only");
    const title = make("div", "grading-title");
    title.append(heading, hint);
    this.reportButton = make("button", "button", "Open report");
    this.reportButton.type = "button";
    const header = make("div", "grading-header");
    header.append(title, this.reportButton);

    this.criteria = make("div", "scorecard-criteria");
    const commentLabel = make("label", "grading-field", "Comment");
    this.comment = make("textarea", "grading-textarea");
    this.comment.rows = 4;
    this.comment.maxLength = MAX_COMMENT;
    this.comment.placeholder = "Evidence for your scores: what they did, said, missed…";
    commentLabel.append(this.comment);
    const recommendationLabel = make("label", "grading-field", "Recommendation");
    this.recommendation = make("select", "grading-select");
    for (const [value, label] of RECOMMENDATIONS) this.recommendation.append(new Option(label, value));
    recommendationLabel.append(this.recommendation);
    this.status = make("div", "status grading-save");
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-label", "Scorecard status");
    this.statusText = make("span", "status-text");
    this.status.append(this.statusText);
    const form = make("form", "scorecard-form");
    form.setAttribute("aria-label", "My scorecard");
    form.append(this.criteria, commentLabel, recommendationLabel, this.status);

    const othersHeading = make("h3", "grading-subheading", "Other hosts' cards");
    othersHeading.id = `${this.id}-others`;
    this.others = make("div", "scorecard-others");
    this.others.setAttribute("role", "region");
    this.others.setAttribute("aria-labelledby", othersHeading.id);
    this.othersList = make("ul", "scorecard-other-list");
    this.others.append(othersHeading, this.othersList);
    const body = make("div", "grading-body");
    body.append(form, this.others);
    this.root.append(header, body);

    form.addEventListener("submit", (event) => event.preventDefault());
    form.addEventListener("input", () => this.edit());
    form.addEventListener("change", () => this.edit());
    this.comment.addEventListener("blur", () => this.edited && this.save());
    this.reportButton.addEventListener("click", () => this.dispatchEvent(new Event("open-report")));
    this.renderOthers();
    this.updateStatus();
  }

  receive({ type, data }) {
    if (type === "grading") {
      const rubric = Array.isArray(data.problem?.rubric) ? data.problem.rubric : [];
      if (JSON.stringify(rubric) !== JSON.stringify(this.rubric)) {
        const values = this.values();
        this.rubric = rubric;
        this.renderCriteria(values.scores);
      }
      for (const card of Array.isArray(data.scorecards) ? data.scorecards : []) this.cards.set(card.card, card);
      this.adoptMine();
      this.renderOthers();
    } else if (type === "scorecard" && data.card) {
      this.cards.set(data.card.card, data.card);
      if (data.card.card === this.cardId) this.adoptMine();
      else this.renderOthers();
    } else if (type === "error" && String(data.message ?? "").startsWith("set_scorecard")) {
      this.inFlight = false;
      this.refusal = String(data.message).replace(/^set_scorecard: /, "");
      this.showState("refused");
    }
  }

  /** My card from the server: the base to write on; shown in the form unless I have changed it since. */
  adoptMine() {
    const mine = this.cards.get(this.cardId);
    this.inFlight = false;
    if (!mine) {
      this.updateStatus();
      return;
    }
    this.base = mine;
    if (!this.edited) this.fill(mine);
    else if (same(this.values(), mine)) this.edited = false;
    else this.schedule(); // saved meanwhile elsewhere (another tab): mine goes on top of it
    this.updateStatus();
  }

  renderCriteria(scores = {}) {
    const rows = this.rubric.map((criterion, index) => {
      const row = this.make("div", "scorecard-criterion");
      const nameId = `${this.id}-c${index}`;
      const name = this.make("span", "scorecard-name", criterion.name);
      name.id = nameId;
      const description = this.make("p", "scorecard-description", criterion.description ?? "");
      description.id = `${nameId}-d`;
      const group = this.make("div", "scorecard-scale");
      group.setAttribute("role", "radiogroup");
      group.setAttribute("aria-labelledby", nameId);
      group.setAttribute("aria-describedby", description.id);
      group.dataset.criterion = criterion.name;
      for (let score = 1; score <= Number(criterion.scale); score++) {
        const label = this.make("label", "scorecard-score");
        const radio = this.make("input");
        radio.type = "radio";
        radio.name = nameId;
        radio.value = String(score);
        radio.checked = scores[criterion.name] === score;
        label.title = `${score} of ${criterion.scale}`;
        label.append(radio, this.make("span", "", String(score)));
        group.append(label);
      }
      row.append(name, description, group);
      return row;
    });
    this.criteria.replaceChildren(...rows);
  }

  /** What the form says: {scores, comment, recommendation}. */
  values() {
    const scores = {};
    for (const group of this.criteria.querySelectorAll("[role=radiogroup]")) {
      const checked = /** @type {HTMLInputElement | null} */ (group.querySelector("input:checked"));
      if (checked) scores[/** @type {HTMLElement} */ (group).dataset.criterion] = Number(checked.value);
    }
    return { scores, comment: this.comment.value, recommendation: this.recommendation.value };
  }

  fill(card) {
    this.renderCriteria(card.scores ?? {});
    this.comment.value = String(card.comment ?? "");
    this.recommendation.value = String(card.recommendation ?? "");
  }

  edit() {
    this.edited = true;
    this.refusal = "";
    this.schedule();
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save(), this.debounceMs);
    this.updateStatus();
  }

  save() {
    clearTimeout(this.timer);
    if (this.inFlight || !this.edited) return this.updateStatus();
    const values = this.values();
    if (this.base && same(values, this.base)) {
      this.edited = false;
      return this.updateStatus();
    }
    const frame = protocol.setScorecard({ card: this.cardId, version: this.base?.version ?? 0, ...values });
    if (this.connection.send(frame)) this.inFlight = true;
    this.updateStatus();
  }

  updateStatus() {
    if (this.refusal) return this.showState("refused");
    if (this.edited) return this.showState(this.connection.isOpen ? "saving" : "offline");
    this.showState(this.base ? "saved" : "empty");
  }

  showState(state) {
    const [text, tone] = STATES[state];
    this.statusText.textContent = state === "refused" ? text + this.refusal : text;
    this.status.dataset.tone = tone;
    this.root.dataset.state = state;
  }

  renderOthers() {
    const others = [...this.cards.values()].filter((card) => card.card !== this.cardId);
    this.others.hidden = others.length === 0;
    this.othersList.replaceChildren(...others.map((card) => {
      const item = this.make("li", "scorecard-other");
      const who = this.make("strong", "scorecard-other-name", String(card.name ?? "A host"));
      const recommendation = RECOMMENDATIONS.find(([value]) => value === card.recommendation)?.[1] ?? "";
      const verdict = this.make("span", "scorecard-other-verdict", card.recommendation ? recommendation : "no recommendation yet");
      verdict.dataset.recommendation = card.recommendation ?? "";
      const scores = this.make("p", "scorecard-other-scores", this.rubric
        .map((c) => `${c.name} ${card.scores?.[c.name] ?? "–"}/${c.scale}`).join(" · "));
      item.append(who, verdict, scores);
      if (card.comment) item.append(this.make("p", "scorecard-other-comment", String(card.comment)));
      return item;
    }));
  }
}

function same(values, card) {
  return JSON.stringify(sorted(values.scores)) === JSON.stringify(sorted(card.scores ?? {}))
    && values.comment === String(card.comment ?? "") && values.recommendation === String(card.recommendation ?? "");
}

function sorted(scores) {
  return Object.fromEntries(Object.entries(scores).sort(([a], [b]) => a.localeCompare(b)));
}

/** This page's card id for the session: made once, kept in localStorage (a reload edits the same card). */
function cardIdFor(sessionId) {
  const key = `interview-pad:scorecard:${sessionId}`;
  try {
    const kept = localStorage.getItem(key);
    if (kept && /^[A-Za-z0-9_-]{8,64}$/.test(kept)) return kept;
  } catch {
    // storage blocked: a card for this page only
  }
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  const id = `c${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
  try {
    localStorage.setItem(key, id);
  } catch {
    // as above
  }
  return id;
}
