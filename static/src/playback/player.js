// The playback player: a read-only editor replaying a session's history on a timeline, each person's
// surviving text tinted in their colour, with the runs and chat as they were at that moment.
// DOM built with createElement/textContent only; colours go through CSS variables set via the CSSOM.
import { Compartment, EditorState, StateEffect, StateField } from "@codemirror/state";
import { Decoration, EditorView, highlightSpecialChars, lineNumbers, WidgetType } from "@codemirror/view";
import { HighlightStyle, indentUnit, syntaxHighlighting } from "@codemirror/language";
import { tags } from "@lezer/highlight";
import { BoardReplay } from "./board-replay.js";
import { CallLanes } from "./call-spans.js";
import { PlaybackReview } from "./review.js";
import { formatElapsed, parseTime, Timeline } from "./timeline.js";

const SPEEDS = [0.5, 1, 2, 4, 8, 16];
const MAX_IDLE_WAIT_MS = 2500; // a pause longer than this (wall time, at the chosen speed) plays as this long
const MAX_SMOOTH_STEPS = 400; // versions apart beyond which the editor gets the whole text instead of the changes
const AUTHOR_SLOTS = 12; // .pb-author-0 … -11 in playback.css
const SOMEONE = { name: "Someone", color: "#8b95a3", role: null };
// Highlighting, loaded on demand. The offline export (build.mjs defines PLAYBACK_EXPORT true) leaves
// JavaScript's out: its grammar alone would take the single-file bundle past 400 kB.
const SUPPORT = {
  python: () => import("../languages/python-support.js"),
  // @ts-ignore PLAYBACK_EXPORT is defined by esbuild (static/build.mjs) when it bundles the export's player
  javascript: PLAYBACK_EXPORT ? null : () => import("../languages/javascript-support.js"),
  // @ts-ignore as above
  typescript: PLAYBACK_EXPORT ? null : () => import("../languages/typescript-support.js"),
  // @ts-ignore as above; the offline export shows Lua as plain text too
  lua: PLAYBACK_EXPORT ? null : () => import("../languages/lua-support.js"),
};

// The same token colours as the live editor (editor.js), through playback.css's variables.
const highlightStyle = HighlightStyle.define([
  { tag: [tags.keyword, tags.controlKeyword, tags.operatorKeyword, tags.definitionKeyword], color: "var(--pb-hl-keyword)" },
  { tag: [tags.string, tags.special(tags.string)], color: "var(--pb-hl-string)" },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: "var(--pb-hl-number)" },
  { tag: [tags.comment, tags.lineComment], color: "var(--pb-hl-comment)", fontStyle: "italic" },
  { tag: [tags.function(tags.definition(tags.variableName)), tags.definition(tags.className)], color: "var(--pb-hl-definition)" },
  { tag: [tags.function(tags.variableName), tags.function(tags.propertyName)], color: "var(--pb-hl-call)" },
  { tag: [tags.className, tags.typeName, tags.standard(tags.variableName)], color: "var(--pb-hl-type)" },
  { tag: [tags.self, tags.special(tags.variableName)], color: "var(--pb-hl-keyword)", fontStyle: "italic" },
  { tag: [tags.operator, tags.punctuation, tags.bracket], color: "var(--pb-hl-punctuation)" },
  { tag: tags.meta, color: "var(--pb-hl-meta)" },
]);

const theme = EditorView.theme({
  "&": { height: "100%", color: "var(--pb-editor-fg)", backgroundColor: "var(--pb-editor-bg)" },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": { fontFamily: "var(--pb-font-mono)", lineHeight: "1.55" },
  ".cm-content": { padding: "10px 0" },
  ".cm-gutters": { backgroundColor: "var(--pb-editor-bg)", color: "var(--pb-gutter-fg)", border: "none" },
  ".cm-lineNumbers .cm-gutterElement": { padding: "0 12px 0 16px" },
  ".cm-cursor": { borderLeftColor: "var(--pb-muted)" },
});

/** The authors' marks and the last edit's caret, replaced at every move of the playhead. */
/** @type {import("@codemirror/state").StateEffectType<import("@codemirror/view").DecorationSet>} */
const setMarks = StateEffect.define();
const marksField = StateField.define({
  create: () => Decoration.none,
  update(marks, tr) {
    for (const effect of tr.effects) if (effect.is(setMarks)) return effect.value;
    return marks.map(tr.changes);
  },
  provide: (field) => EditorView.decorations.from(field),
});

/** A thin caret in the colour of whoever made the last edit. */
class CaretWidget extends WidgetType {
  constructor(color, name) {
    super();
    this.color = color;
    this.name = name;
  }

  eq(other) {
    return other.color === this.color && other.name === this.name;
  }

  toDOM() {
    const caret = document.createElement("span");
    caret.className = "pb-caret";
    caret.style.setProperty("--pb-person", this.color);
    caret.title = `${this.name}'s last edit`;
    return caret;
  }

  ignoreEvent() {
    return true;
  }
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function icon(kind) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", `pb-icon pb-icon-${kind}`);
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", {
    play: "M4.5 2.8v10.4a.6.6 0 0 0 .9.5l8.1-5.2a.6.6 0 0 0 0-1L5.4 2.3a.6.6 0 0 0-.9.5z",
    pause: "M4 2.5h2.6v11H4zM9.4 2.5H12v11H9.4z",
    jump: "M2.5 8h8M7.5 4.5 11 8l-3.5 3.5M13.5 3v10",
    rerun: "M13 8a5 5 0 1 1-1.5-3.6M13 2.5v3h-3",
  }[kind]);
  svg.append(path);
  return svg;
}

function formatDuration(ms) {
  if (ms == null) return "";
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

/** The closing line of a run's output, e.g. "— ok in 840 ms —". */
function describeEnd(status, ms) {
  const took = formatDuration(ms);
  if (status === "ok") return `— ok in ${took} —`;
  if (status === "error") return took ? `— error after ${took} —` : "— error —";
  if (status === "disconnected") return "— disconnected: the person running it left —";
  return `— ${status}${took ? ` after ${took}` : ""} —`;
}

export class Player {
  /**
   * Mounts the player in `root`. `history`: GET /api/sessions/{id}/history. `runCode({language, code,
   * onOutput(stream, text), onEnd(status)})`, if given, adds "Run this version". `nonce`: the page's CSP
   * nonce for CodeMirror's styles (default: <meta name="csp-nonce">).
   */
  constructor({ root, history, runCode = null, nonce = null }) {
    this.root = root;
    this.history = history;
    this.runCode = runCode;
    this.timeline = new Timeline(history);
    this.position = 0;
    this.version = this.timeline.startVersion;
    this.playing = false;
    this.speed = 1;
    this.skipPauses = true; // "Skip pauses": off replays every silence at its real length too
    this.timer = null;
    this.shownRun = undefined; // "index:ended" of the run in the output area, to redraw only on change
    this.shownChat = 0;
    this.rerunToken = 0;
    this.people = this.collectPeople();
    // Integrity signals and comments (review.js): markers, their side sections, ranges in the editor.
    this.review = new PlaybackReview({ history, timeline: this.timeline, seek: (p) => this.seekEvent(p) });
    this.build(nonce ?? /** @type {HTMLMetaElement | null} */ (document.querySelector('meta[name="csp-nonce"]'))?.content ?? "");
    this.render({ scroll: false });
  }

  /** Participant id -> {name, color, role, slot}; ids nobody named are "Someone" in grey. */
  collectPeople() {
    const people = new Map();
    for (const [id, person] of Object.entries(this.history.participants ?? {})) {
      const color = /^#[0-9a-f]{3,8}$|^(rgb|hsl)a?\([\d\s.,%/-]+\)$/i.test(person?.color ?? "") ? person.color : SOMEONE.color;
      people.set(id, { id, name: String(person?.name ?? "Someone"), color, role: person?.role ?? null, slot: people.size % AUTHOR_SLOTS });
    }
    this.someoneSeen = this.history.updates?.some((update) => !people.has(update.participant)) ?? false;
    return people;
  }

  person(id) {
    return this.people.get(id) ?? { ...SOMEONE, slot: "someone" };
  }

  /** person(id) with the name it had at `ms` (a rename does not change who typed what before it). */
  personAt(id, ms) {
    const person = this.person(id);
    const name = this.people.has(id) ? this.timeline.nameAt(id, ms) : null;
    return name === null || name === person.name ? person : { ...person, name };
  }

  build(nonce) {
    const region = el("section", "playback");
    region.setAttribute("role", "region");
    region.setAttribute("aria-label", "Playback");
    for (const person of this.people.values()) region.style.setProperty(`--pb-author-${person.slot}`, person.color);
    region.style.setProperty("--pb-author-someone", SOMEONE.color);
    this.region = region;

    // Legend: who wrote what colour.
    const legend = el("ul", "pb-legend");
    legend.setAttribute("aria-label", "Participants");
    const people = [...this.people.values()];
    if (this.someoneSeen) people.push({ ...SOMEONE, slot: "someone" });
    this.legendNames = []; // [{id, node}] of people who had more than one name: shown as at the playhead
    for (const person of people) {
      const item = el("li", "pb-person");
      item.style.setProperty("--pb-person", person.color);
      const name = el("span", "pb-person-name", person.name);
      item.append(el("span", "pb-swatch"), name);
      if (person.role) item.append(el("span", "pb-person-role", person.role));
      const names = person.id === undefined ? [] : this.timeline.namesOf(person.id);
      if (names.length > 1) {
        item.title = `Names in this session: ${names.join(" → ")}`;
        this.legendNames.push({ id: person.id, node: name });
      }
      legend.append(item);
    }
    const legendNote = el("span", "pb-legend-note", "Highlighted text: who typed it");
    const compacted = this.timeline.compactedBefore;
    const startNote = compacted
      ? el("p", "pb-empty pb-compacted", `Recording starts at version ${compacted}: earlier edits were compacted`)
      : null;
    startNote?.setAttribute("role", "note");

    // The editor.
    const editorPane = el("div", "pb-editor");
    this.languageSupport = new Compartment();
    this.darkMode = new Compartment();
    this.darkQuery = typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null;
    const state = EditorState.create({
      doc: this.timeline.docAt(this.version),
      extensions: [
        lineNumbers(),
        highlightSpecialChars(),
        EditorState.readOnly.of(true),
        EditorState.tabSize.of(4),
        indentUnit.of("    "),
        syntaxHighlighting(highlightStyle),
        this.languageSupport.of([]),
        marksField,
        this.review.extension(),
        EditorView.contentAttributes.of({ "aria-label": "Code at this point", "aria-readonly": "true" }),
        EditorView.cspNonce.of(nonce),
        theme,
        this.darkMode.of(EditorView.darkTheme.of(this.isDark())),
      ],
    });
    this.view = new EditorView({ state, parent: editorPane });
    this.onScheme = () => this.view.dispatch({ effects: this.darkMode.reconfigure(EditorView.darkTheme.of(this.isDark())) });
    this.darkQuery?.addEventListener("change", this.onScheme);
    this.loadLanguage(this.history.language);

    // Side: runs, their output, chat.
    const side = el("div", "pb-side");
    const runsSection = el("section", "pb-section pb-runs-section");
    const runsHeading = el("h3", "pb-heading", "Runs");
    this.runsList = el("ol", "pb-runs");
    this.runsList.setAttribute("aria-label", "Runs");
    this.runItems = (this.history.runs ?? []).map((run, index) => this.buildRunItem(run, index));
    this.runsList.append(...this.runItems.filter(Boolean));
    if (!this.runsList.childElementCount) this.runsList.append(el("li", "pb-empty", "Nobody ran the code."));
    runsSection.append(runsHeading, this.runsList);

    const outputSection = el("section", "pb-section pb-output-section");
    const outputHead = el("div", "pb-section-head");
    outputHead.append(el("h3", "pb-heading", "Output"));
    if (this.runCode) {
      this.rerunButton = el("button", "pb-button pb-button-small");
      this.rerunButton.type = "button";
      this.rerunButton.append(icon("rerun"), document.createTextNode("Run this version"));
      this.rerunButton.addEventListener("click", () => this.rerun());
      outputHead.append(this.rerunButton);
    }
    this.output = el("pre", "pb-output");
    this.output.setAttribute("role", "log");
    this.output.setAttribute("aria-label", "Run output");
    this.output.setAttribute("aria-live", "off"); // it changes with every step of the playhead
    this.output.tabIndex = 0;
    outputSection.append(outputHead, this.output);

    const chatSection = el("section", "pb-section pb-chat-section");
    chatSection.append(el("h3", "pb-heading", "Chat"));
    this.chatList = el("ol", "pb-chat");
    this.chatList.setAttribute("aria-label", "Chat at this point");
    this.chatList.tabIndex = 0;
    this.chatList.append(el("li", "pb-empty", "No messages yet at this point."));
    chatSection.append(this.chatList);
    side.append(runsSection, outputSection, chatSection, ...this.review.sections());
    if ((this.history.hidden_results ?? []).length || (this.history.timer_marks ?? []).length) {
      const gradingSection = el("section", "pb-section pb-grading-section");
      this.grading = el("div", "pb-grading");
      this.grading.setAttribute("aria-label", "Hidden tests and timer at this point");
      gradingSection.append(el("h3", "pb-heading", "Grading"), this.grading);
      side.append(gradingSection);
    }

    // Controls.
    const controls = el("div", "pb-controls");
    this.playButton = el("button", "pb-button pb-play");
    this.playButton.type = "button";
    this.playButton.addEventListener("click", () => (this.playing ? this.pause() : this.play()));

    const track = el("div", "pb-track");
    this.slider = el("input", "pb-slider");
    Object.assign(this.slider, { type: "range", min: "0", max: String(this.timeline.length), step: "1", value: "0" });
    this.slider.setAttribute("aria-label", "Timeline");
    this.slider.addEventListener("input", () => this.seekEvent(Number(this.slider.value), { fromSlider: true }));
    track.append(this.slider, this.buildMarkers(), this.review.markers());

    this.readout = el("div", "pb-readout");
    this.readout.setAttribute("role", "status");
    this.readout.setAttribute("aria-label", "Playback position");

    const speedLabel = el("label", "pb-speed");
    const speedText = el("span", "pb-visually-hidden", "Speed");
    this.speedSelect = el("select", "pb-select");
    for (const speed of SPEEDS) {
      const option = el("option", "", `${speed}×`);
      option.value = String(speed);
      option.selected = speed === 1;
      this.speedSelect.append(option);
    }
    this.speedSelect.addEventListener("change", () => { this.speed = Number(this.speedSelect.value) || 1; });
    speedLabel.append(speedText, this.speedSelect);
    const skipLabel = el("label", "pb-skip");
    this.skipBox = el("input");
    this.skipBox.type = "checkbox";
    this.skipBox.checked = this.skipPauses;
    this.skipBox.title = `Pauses longer than ${MAX_IDLE_WAIT_MS / 1000} s play as ${MAX_IDLE_WAIT_MS / 1000} s`;
    this.skipBox.addEventListener("change", () => { this.skipPauses = this.skipBox.checked; });
    skipLabel.append(this.skipBox, el("span", "", "Skip pauses"));
    controls.append(this.playButton, track, this.readout, speedLabel, skipLabel);

    const top = el("div", "pb-top");
    top.append(legend, ...(startNote ? [startNote] : []), legendNote);
    const body = el("div", "pb-body");
    const editorColumn = el("div", "pb-editor-column");
    this.callLanes = new CallLanes({ timeline: this.timeline, calls: this.history.calls, personAt: (id, ms) => this.personAt(id, ms) });
    this.board = BoardReplay.of(this.history.board); // the whiteboard beside the code (board-replay.js), if drawn on
    let code = editorPane;
    if (this.board) {
      code = el("div", "pb-code-and-board");
      code.append(editorPane, this.board.element);
    }
    editorColumn.append(code, controls, ...(this.callLanes.element ? [this.callLanes.element] : []));
    body.append(editorColumn, side);
    region.append(top, body);

    // Space plays and pauses anywhere in the player but on controls Space already works.
    region.addEventListener("keydown", (event) => {
      if (event.key !== " " || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.target.closest("button, select, a, textarea, input:not([type=range])")) return;
      event.preventDefault();
      if (this.playing) this.pause();
      else this.play();
    });
    this.onVisibility = () => { if (!document.hidden && this.playing) this.tick(); };
    document.addEventListener("visibilitychange", this.onVisibility);
    this.root.append(region);
    this.updatePlayButton();
  }

  buildRunItem(run, index) {
    const start = this.timeline.runStartPosition.get(index);
    if (start === undefined) return null;
    const person = this.personAt(run.participant, parseTime(run.started_at));
    const name = run.name || person.name;
    const item = el("li", "pb-run");
    item.style.setProperty("--pb-person", run.color || person.color);
    const label = el("span", "pb-run-label");
    const when = formatElapsed(parseTime(run.started_at) - this.timeline.origin);
    const before = run.version < this.timeline.startVersion ? " (before the recording starts)" : "";
    label.append(el("span", "pb-dot"), el("strong", "pb-run-name", name),
      document.createTextNode(` ran version ${run.version}${before} · ${when}`));
    const status = el("span", `pb-chip pb-chip-${run.status ?? "running"}`, run.status ?? "no end");
    const jump = el("button", "pb-button pb-button-icon");
    jump.type = "button";
    jump.setAttribute("aria-label", `Jump to run ${index + 1} (${name}, version ${run.version})`);
    jump.title = "Jump to this run";
    jump.append(icon("jump"));
    jump.addEventListener("click", () => this.seekEvent(start));
    item.append(label, status, jump);
    return item;
  }

  /** Ticks under the slider for runs and hidden-test results (coloured by outcome), chat and timer marks. */
  buildMarkers() {
    const markers = el("div", "pb-markers");
    markers.setAttribute("aria-hidden", "true");
    const length = Math.max(1, this.timeline.length);
    this.timeline.events.forEach((event, i) => {
      if (!["run_start", "chat", "hidden", "timer"].includes(event.kind)) return;
      const status = event.kind === "run_start" ? this.history.runs[event.index].status ?? "running" : "";
      const result = event.kind === "hidden" ? this.history.hidden_results[event.index] : null;
      const className = {
        chat: "pb-marker pb-marker-chat",
        run_start: `pb-marker pb-marker-run pb-marker-${status}`,
        hidden: `pb-marker pb-marker-hidden${result && result.passed === result.total ? " pb-marker-ok" : " pb-marker-error"}`,
        timer: "pb-marker pb-marker-timer",
      }[event.kind];
      const marker = el("span", className);
      marker.style.setProperty("--pb-at", String((i + 1) / length));
      markers.append(marker);
    });
    return markers;
  }

  loadLanguage(language) {
    const load = SUPPORT[language];
    if (!load) return;
    load().then(({ support }) => {
      if (this.view) this.view.dispatch({ effects: this.languageSupport.reconfigure(support()) });
    }, (error) => console.warn(`playback: no highlighting for ${language}:`, error));
  }

  /** Moves the playhead to just after the update that made `version` (0 or less: the start). */
  seekVersion(version) {
    this.seekEvent(this.timeline.positionOfVersion(version));
  }

  /** Moves the playhead to position `index`: after the first `index` events (0: the start). */
  seekEvent(index, { fromSlider = false } = {}) {
    this.position = Math.max(0, Math.min(this.timeline.length, Math.round(Number(index) || 0)));
    this.clock = this.timeline.timeOfPosition(this.position);
    this.render({ fromSlider });
    if (this.playing) this.schedule();
  }

  play() {
    if (this.playing || !this.view) return;
    if (this.position >= this.timeline.length) this.seekEvent(0);
    this.playing = true;
    this.clock = this.timeline.timeOfPosition(this.position);
    this.lastTick = performance.now();
    this.readout.setAttribute("aria-live", "off");
    this.updatePlayButton();
    this.schedule();
  }

  pause() {
    if (!this.playing) return;
    this.playing = false;
    clearTimeout(this.timer);
    this.timer = null;
    this.readout.removeAttribute("aria-live");
    this.updatePlayButton();
  }

  /** Advances the session clock by the wall time since the last tick times the speed; plays what is due. */
  tick() {
    if (!this.playing) return;
    const now = performance.now();
    this.clock += (now - this.lastTick) * this.speed;
    this.lastTick = now;
    const events = this.timeline.events;
    let position = this.position;
    while (position < events.length && events[position].at <= this.clock) position += 1;
    if (position !== this.position) {
      this.position = position;
      this.render({});
    }
    if (this.position >= events.length) {
      this.pause();
      return;
    }
    this.schedule();
  }

  schedule() {
    clearTimeout(this.timer);
    const next = this.timeline.events[this.position];
    if (!next) {
      this.timer = setTimeout(() => this.tick(), 0);
      return;
    }
    this.lastTick = performance.now();
    // A long silence plays as MAX_IDLE_WAIT_MS: the clock jumps over the rest of it.
    const maxGap = MAX_IDLE_WAIT_MS * this.speed;
    if (this.skipPauses && next.at - this.clock > maxGap) this.clock = next.at - maxGap;
    const wait = Math.max(0, (next.at - this.clock) / this.speed);
    this.timer = setTimeout(() => this.tick(), Math.max(wait, 4));
  }

  updatePlayButton() {
    const label = this.playing ? "Pause" : "Play";
    this.playButton.replaceChildren(icon(this.playing ? "pause" : "play"), el("span", "pb-play-label", label));
    this.playButton.setAttribute("aria-label", label);
    this.playButton.title = `${label} (Space)`;
    this.playButton.classList.toggle("pb-playing", this.playing);
  }

  /** Shows everything at this.position: text, marks, slider, readout, run output and chat. */
  render({ fromSlider = false, scroll = true }) {
    const timeline = this.timeline;
    const p = this.position;
    const version = timeline.versionOfPosition(p);
    if (version !== this.version || !this.marksShown) this.showVersion(version, scroll);

    const elapsed = formatElapsed(timeline.timeOfPosition(p) - timeline.origin);
    const total = formatElapsed(timeline.duration);
    if (!fromSlider) this.slider.value = String(p);
    this.slider.setAttribute("aria-valuetext", `Version ${version} · ${elapsed} of ${total}`);
    this.slider.style.setProperty("--pb-progress", String(p / Math.max(1, timeline.length)));
    this.readout.replaceChildren(
      el("span", "pb-readout-version", `Version ${version} of ${timeline.endVersion}`),
      el("span", "pb-readout-sep", " · "),
      el("span", "pb-readout-time", `${elapsed} / ${total}`),
    );
    this.showRun(timeline.runAt(p));
    this.showChat(timeline.chatAt(p));
    if (this.grading) this.showGrading(timeline.hiddenAt(p), timeline.timerMarksAt(p));
    this.board?.show(timeline.boardCountAt(p));
    this.review.render(this.view, p, version);
    const now = timeline.timeOfPosition(p);
    this.callLanes.show(now);
    for (const { id, node } of this.legendNames) {
      const name = timeline.nameAt(id, now);
      if (name !== null && node.textContent !== name) node.textContent = name;
    }
  }

  /** Moves the editor to `version`: the changes between (small moves) or the whole text, and new marks. */
  showVersion(version, scroll) {
    const timeline = this.timeline;
    const from = this.version;
    let changes = null;
    if (from !== version && Math.abs(version - from) <= MAX_SMOOTH_STEPS) {
      const [low, high] = from < version ? [from, version] : [version, from];
      let composed = timeline.changesOf(low + 1);
      for (let v = low + 2; v <= high; v++) composed = composed.compose(timeline.changesOf(v));
      changes = from < version ? composed : composed.invert(timeline.docAt(version));
    } else if (from !== version) {
      changes = { from: 0, to: this.view.state.doc.length, insert: timeline.docAt(version) };
    }
    const marks = [];
    for (const { from: start, to, participant } of timeline.authorship(version)) {
      marks.push(Decoration.mark({ class: `pb-author pb-author-${this.person(participant).slot}` }).range(start, to));
    }
    let caretAt = null;
    if (version > timeline.startVersion) {
      const last = timeline.changesOf(version);
      last.iterChanges((_fa, _ta, _fb, toB) => { caretAt = toB; });
      const who = this.personAt(timeline.updates[version - timeline.startVersion - 1].participant,
        timeline.timeOfVersion(version));
      if (caretAt !== null) marks.push(Decoration.widget({ widget: new CaretWidget(who.color, who.name), side: 1 }).range(caretAt));
    }
    /** @type {import("@codemirror/state").StateEffect<unknown>[]} */
    const effects = [setMarks.of(Decoration.set(marks, true))];
    if (scroll && caretAt !== null) effects.push(EditorView.scrollIntoView(caretAt, { y: "nearest", yMargin: 40 }));
    this.view.dispatch({ changes: changes ?? undefined, effects });
    this.version = version;
    this.marksShown = true;
  }

  /** The output area: the run most recently started at this point (its output once it has ended). */
  showRun(current) {
    const key = current ? `${current.index}:${current.ended}` : "none";
    if (key === this.shownRun) return;
    this.shownRun = key;
    this.rerunToken += 1; // a re-run's output gives way to the playhead
    if (this.rerunButton) this.rerunButton.disabled = false;
    this.runItems.forEach((item, index) => {
      if (!item) return;
      if (current?.index === index) item.setAttribute("aria-current", "true");
      else item.removeAttribute("aria-current");
    });
    this.output.replaceChildren();
    if (!current) {
      this.output.append(el("span", "pb-output-empty", "No run yet at this point."));
      return;
    }
    const { run, ended } = current;
    const person = this.personAt(run.participant, parseTime(run.started_at));
    this.writeHeader(run.name || person.name, run.color || person.color,
      ` ran version ${run.version} · ${formatElapsed(parseTime(run.started_at) - this.timeline.origin)}`);
    if (!ended) {
      this.writeSystem(run.status ? "running…" : "running… (its end was not recorded)");
      return;
    }
    for (const chunk of run.output ?? []) this.writeOutput(chunk.stream, chunk.text);
    if (run.truncated) this.writeSystem("— output truncated —");
    this.writeSystem(describeEnd(run.status, run.duration_ms), `pb-end pb-end-${run.status}`);
    this.runItems[current.index]?.scrollIntoView?.({ block: "nearest" });
  }

  writeHeader(name, color, rest) {
    const header = el("span", "pb-output-header");
    header.style.setProperty("--pb-person", color);
    header.append(el("span", "pb-dot"), el("strong", "", name), document.createTextNode(`${rest}\n`));
    this.output.append(header);
  }

  writeOutput(stream, text) {
    const last = this.output.lastChild;
    const className = stream === "stderr" ? "pb-stderr" : "pb-stdout";
    if (last && last.className === className) last.append(document.createTextNode(String(text)));
    else this.output.append(el("span", className, String(text)));
  }

  writeSystem(text, className = "pb-system") {
    const last = this.output.lastChild;
    if (last && !last.textContent.endsWith("\n")) this.output.append(document.createTextNode("\n"));
    this.output.append(el("span", className, `${text}\n`));
  }

  /** The latest hidden-test result and the timer's marks at this point (the hosts' history only). */
  showGrading(result, marks) {
    const key = `${result?.id ?? ""}:${marks.length}`;
    if (key === this.shownGrading) return;
    this.shownGrading = key;
    const parts = [];
    if (result) {
      const summary = el("p", "pb-grading-summary");
      summary.append(el("strong", "", `Hidden tests: ${result.passed} of ${result.total} passed`),
        document.createTextNode(` on version ${result.version} (run by ${result.name})`));
      parts.push(summary);
      const failed = (result.cases ?? []).filter((c) => !c.passed);
      if (failed.length) {
        const list = el("ul", "pb-grading-failed");
        for (const c of failed) list.append(el("li", "", c.message ? `${c.name}: ${c.message}` : c.name));
        parts.push(list);
      }
    } else {
      parts.push(el("p", "pb-empty", "No hidden-test result yet at this point."));
    }
    if (marks.length) {
      const list = el("ul", "pb-grading-timer");
      for (const mark of marks) {
        const minutes = mark.action === "start" && mark.timer ? ` (${Math.round(mark.timer.duration_ms / 60000)} min)` : "";
        list.append(el("li", "", `${formatElapsed(parseTime(mark.at) - this.timeline.origin)} · timer ${mark.action}${minutes} by ${mark.name}`));
      }
      parts.push(list);
    }
    this.grading.replaceChildren(...parts);
  }

  /** The chat list: messages sent up to this point (appended or cut, not rebuilt, while playing). */
  showChat(messages) {
    if (messages.length === this.shownChat) return;
    if (messages.length < this.shownChat) {
      while (this.chatList.childElementCount > messages.length) this.chatList.lastElementChild.remove();
    } else {
      this.chatList.querySelector(".pb-empty")?.remove();
      for (const message of messages.slice(this.shownChat)) this.chatList.append(this.buildChatItem(message));
    }
    this.shownChat = messages.length;
    if (!messages.length) this.chatList.replaceChildren(el("li", "pb-empty", "No messages yet at this point."));
    this.chatList.scrollTop = this.chatList.scrollHeight;
  }

  buildChatItem(message) {
    const person = this.personAt(message.participant, parseTime(message.sent_at));
    const item = el("li", "pb-message");
    item.style.setProperty("--pb-person", message.color || person.color);
    const meta = el("div", "pb-message-meta");
    const at = parseTime(message.sent_at);
    const time = el("time", "pb-message-time", formatElapsed(at - this.timeline.origin));
    time.dateTime = new Date(at).toISOString();
    time.title = new Date(at).toLocaleString();
    meta.append(el("span", "pb-message-name", message.name || person.name), time);
    item.append(meta, el("div", "pb-message-text", String(message.text ?? "")));
    return item;
  }

  /** The language of the code at `version`: that of the last run at or before it (language switches are not in
   * the log), else the session's. */
  languageAt(version) {
    const runs = (this.history.runs ?? []).filter((run) => run.version <= version && run.language);
    return runs.length ? runs.reduce((a, b) => (b.version >= a.version ? b : a)).language : this.history.language;
  }

  /** Runs the text at the playhead with `runCode`, its output under "Re-run of version N". */
  rerun() {
    if (!this.runCode) return;
    const token = ++this.rerunToken;
    const version = this.version;
    this.shownRun = "rerun";
    this.runItems.forEach((item) => item?.removeAttribute("aria-current"));
    this.output.replaceChildren();
    this.writeHeader(`Re-run of version ${version}`, "var(--pb-accent)", "");
    this.rerunButton.disabled = true;
    const started = performance.now();
    const live = () => token === this.rerunToken && this.view;
    try {
      this.runCode({
        language: this.languageAt(version),
        code: this.timeline.textAt(version),
        onOutput: (stream, text) => { if (live()) this.writeOutput(stream, text); },
        onEnd: (status) => {
          if (!live()) return;
          this.writeSystem(describeEnd(status, Math.round(performance.now() - started)), `pb-end pb-end-${status}`);
          this.rerunButton.disabled = false;
        },
      });
    } catch (error) {
      this.writeSystem(`Could not run it: ${error?.message ?? error}`);
      this.rerunButton.disabled = false;
    }
  }

  /** Dark as the page is: the person's chosen theme (editor settings' data-theme on <html>), else the system's. */
  isDark() {
    const chosen = globalThis.document?.documentElement.dataset.theme;
    return chosen ? chosen === "dark" : this.darkQuery?.matches ?? false;
  }

  destroy() {
    this.pause();
    this.rerunToken += 1;
    this.darkQuery?.removeEventListener("change", this.onScheme);
    document.removeEventListener("visibilitychange", this.onVisibility);
    this.view?.destroy();
    this.view = null;
    this.region?.remove();
  }
}
