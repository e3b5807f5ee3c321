// The playback model (static/src/playback/timeline.js) against a naive replay of the ChangeSet JSON:
// text at every version, authorship spans, events and times. Run: node tests/node/playback.test.mjs
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ChangeSet } from "@codemirror/state";
import { formatElapsed, Timeline } from "../../static/src/playback/timeline.js";

const SAMPLE = JSON.parse(readFileSync(new URL("../fixtures/history-sample.json", import.meta.url), "utf8"));

let seed = 1;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (items) => items[Math.floor(random() * items.length)];
const PIECES = ["a", "z", " ", "\n", "😀", "🎉", "中", "é", "𝔘", "\t", "x\ny", "👩‍💻"];

/** Applies ChangeSet JSON to a string and a per-unit author array, without @codemirror/state. */
function naiveApply({ text, authors }, json, who) {
  let out = "";
  const outAuthors = [];
  let pos = 0;
  for (const part of json) {
    if (typeof part === "number") {
      out += text.slice(pos, pos + part);
      for (let i = pos; i < pos + part; i++) outAuthors.push(authors[i]);
      pos += part;
    } else {
      const inserted = part.slice(1).join("\n");
      pos += part[0];
      out += inserted;
      for (let i = 0; i < inserted.length; i++) outAuthors.push(who);
    }
  }
  assert.equal(pos, text.length, "ChangeSet length matches the document");
  return { text: out, authors: outAuthors };
}

/** States of a history replayed naively: [version - start] -> {text, authors} (only those `keep` accepts). */
function naiveStates(history, keep = () => true) {
  let state = { text: history.start.text, authors: Array(history.start.text.length).fill(null) };
  const states = [keep(0) ? state : null];
  history.updates.forEach((update, i) => {
    state = naiveApply(state, update.changes, typeof update.participant === "string" ? update.participant : "");
    states.push(keep(i + 1) ? state : null);
  });
  return states;
}

/** Author spans (merged runs of one participant, null skipped) of a per-unit author array. */
function spansOf(authors) {
  const spans = [];
  authors.forEach((who, pos) => {
    if (who === null) return;
    const last = spans[spans.length - 1];
    if (last && last.to === pos && last.participant === who) last.to += 1;
    else spans.push({ from: pos, to: pos + 1, participant: who });
  });
  return spans;
}

function randomText(maxPieces) {
  let text = "";
  const n = Math.floor(random() * maxPieces);
  for (let i = 0; i < n; i++) text += pick(PIECES);
  return text;
}

/** A synthetic history of `count` random edits (emoji, CJK, newlines) by three people, one unknown. */
function syntheticHistory(count) {
  const start = { version: 0, text: "def f():\n    return 1 😀\n" };
  let length = start.text.length;
  const updates = [];
  let at = Date.parse("2026-11-29T11:00:00.000Z");
  for (let i = 0; i < count; i++) {
    const specs = [];
    let position = 0;
    const parts = 1 + Math.floor(random() * 3);
    for (let p = 0; p < parts && position <= length; p++) {
      const from = position + Math.floor(random() * (length - position + 1));
      // Deletions are shorter than insertions on average so the document grows slowly.
      const to = Math.min(length, from + Math.floor(random() * 4));
      specs.push({ from, to, insert: randomText(4) });
      position = to + 1;
    }
    const changes = ChangeSet.of(specs, length);
    length = changes.newLength;
    at += 50 + Math.floor(random() * 400);
    updates.push({ at, participant: pick(["a1", "b2", "c3", undefined]), changes: changes.toJSON() });
  }
  return {
    session_id: "s", title: "Synthetic", language: "python", created_at: "2026-11-29T11:00:00.000Z",
    start, updates, participants: { a1: { name: "A", color: "#2563eb", role: "host" } },
    runs: [], chat: [], version: count, text: null, problem: null,
  };
}

test("the sample replays to its final text, and every version equals a naive replay", () => {
  const timeline = new Timeline(SAMPLE);
  const states = naiveStates(SAMPLE);
  assert.equal(states[states.length - 1].text, SAMPLE.text);
  assert.equal(timeline.textAt(SAMPLE.version), SAMPLE.text);
  assert.equal(timeline.endVersion, SAMPLE.version);
  // Backwards, then in a random order: checkpoints and the forward cache must not leak state.
  for (let v = SAMPLE.version; v >= 0; v--) assert.equal(timeline.textAt(v), states[v].text, `version ${v}`);
  for (let i = 0; i < 300; i++) {
    const v = Math.floor(random() * (SAMPLE.version + 1));
    assert.equal(timeline.textAt(v), states[v].text, `version ${v}`);
  }
});

test("authorship of the sample: each person's surviving inserted text, none of the start text", () => {
  const timeline = new Timeline(SAMPLE);
  const states = naiveStates(SAMPLE);
  for (let v = 0; v <= SAMPLE.version; v++) {
    assert.deepEqual(timeline.authorship(v), spansOf(states[v].authors), `version ${v}`);
  }
  const final = timeline.authorship(SAMPLE.version);
  const text = SAMPLE.text;
  const by = (id) => final.filter((s) => s.participant === id).map((s) => text.slice(s.from, s.to)).join("");
  assert.match(by("3f2a9c1d"), /seen = \{\}  # value -> index 🚀/);
  assert.match(by("7b1e04aa"), /^# Return the indices/);
  assert.equal(by("9d0c55e2"), "print(two_sum([3, 3], 6))\n"); // not in participants: still tracked
  // "def two_sum(nums, target):" was there at the start: nobody's.
  const def = text.indexOf("def two_sum");
  assert.ok(final.every((s) => s.to <= def || s.from >= def + "def two_sum(nums, target):".length));
});

test("10,000 random edits with emoji: text and authorship match a naive replay, scrubbing is fast", () => {
  seed = 42;
  const history = syntheticHistory(10_000);
  const versions = Array.from({ length: 400 }, () => Math.floor(random() * 10_001));
  const wanted = new Set([...versions, 10_000]);
  const states = naiveStates(history, (v) => wanted.has(v));
  const timeline = new Timeline(history);
  assert.equal(timeline.textAt(10_000), states[10_000].text);
  const started = performance.now();
  for (const v of versions) assert.equal(timeline.textAt(v), states[v].text, `version ${v}`);
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 4000, `400 random textAt calls took ${elapsed.toFixed(0)} ms`);
  timeline.authorship(10_000); // builds the checkpoints once
  const authorStarted = performance.now();
  for (const v of versions.slice(0, 60)) timeline.authorship(v);
  const authorElapsed = performance.now() - authorStarted;
  // A real session has far fewer author segments than this worst case of one every few characters.
  assert.ok(authorElapsed < 5000, `60 random authorship calls took ${authorElapsed.toFixed(0)} ms`);
  for (const v of versions.slice(0, 60)) {
    const spans = timeline.authorship(v);
    const length = states[v].text.length;
    let previous = 0;
    for (const span of spans) {
      assert.ok(span.from >= previous && span.from < span.to && span.to <= length, "ordered, non-empty, inside");
      previous = span.to;
    }
    assert.deepEqual(spans, spansOf(states[v].authors), `version ${v}`);
  }
  // Unknown authors are "", never confused with the start text (null).
  assert.ok(timeline.authorship(10_000).some((span) => span.participant === ""));
});

test("UTF-16: an emoji counts two units, and deleting half a span keeps the rest", () => {
  const at = Date.parse("2026-11-29T11:00:01.000Z");
  const history = {
    created_at: "2026-11-29T11:00:00.000Z", start: { version: 5, text: "ab" },
    updates: [
      { at, participant: "p", changes: [1, [0, "😀x"], 1] }, // a😀xb
      { at: at + 10, participant: "q", changes: [2, [0, "中"], 3] }, // a\ud83d中\ude00xb (splits the pair, as a client may)
      { at: at + 20, participant: "q", changes: [[1], 5] }, // drop "a"
      { at: at + 30, participant: "p", changes: [4, [1]] }, // drop "b"
    ],
    runs: [], chat: [],
  };
  const timeline = new Timeline(history);
  assert.equal(timeline.textAt(6), "a😀xb");
  assert.deepEqual(timeline.authorship(6), [{ from: 1, to: 4, participant: "p" }]);
  assert.deepEqual(timeline.authorship(7), [
    { from: 1, to: 2, participant: "p" }, { from: 2, to: 3, participant: "q" }, { from: 3, to: 5, participant: "p" }]);
  assert.equal(timeline.textAt(9), "\ud83d中\ude00x");
  assert.deepEqual(timeline.authorship(9), [
    { from: 0, to: 1, participant: "p" }, { from: 1, to: 2, participant: "q" }, { from: 2, to: 4, participant: "p" }]);
  assert.equal(timeline.textAt(0), "ab"); // clamped to the first version this history holds
  assert.equal(timeline.textAt(99), timeline.textAt(9));
});

test("events are ordered by time; positions, versions and times agree", () => {
  const timeline = new Timeline(SAMPLE);
  const events = timeline.events;
  assert.equal(events.filter((e) => e.kind === "update").length, SAMPLE.updates.length);
  assert.equal(events.filter((e) => e.kind === "run_start").length, SAMPLE.runs.length);
  assert.equal(events.filter((e) => e.kind === "run_end").length, SAMPLE.runs.filter((r) => r.status).length);
  assert.equal(events.filter((e) => e.kind === "chat").length, SAMPLE.chat.length);
  for (let i = 1; i < events.length; i++) assert.ok(events[i - 1].at <= events[i].at);
  assert.equal(timeline.origin, Date.parse(SAMPLE.created_at));
  assert.equal(formatElapsed(timeline.duration), "14:10");
  assert.equal(timeline.versionOfPosition(0), 0);
  assert.equal(timeline.versionOfPosition(events.length), SAMPLE.version);
  for (let v = 1; v <= SAMPLE.version; v++) {
    const at = SAMPLE.updates[v - 1].at;
    assert.equal(timeline.timeOfVersion(v), at);
    assert.equal(timeline.versionOfPosition(timeline.positionOfVersion(v)), v);
    // versionAt(at) is the last version made at that millisecond.
    assert.ok(timeline.versionAt(at) >= v && SAMPLE.updates[timeline.versionAt(at) - 1].at === at);
  }
  assert.equal(timeline.versionAt(timeline.origin - 1), 0);
  assert.equal(timeline.versionAt(timeline.end + 1), SAMPLE.version);

  // The first run (2:03, version 117): started but not ended right after its start event.
  const first = SAMPLE.runs[0];
  const p = timeline.runStartPosition.get(0);
  assert.equal(timeline.versionOfPosition(p), first.version);
  assert.equal(formatElapsed(timeline.timeOfPosition(p) - timeline.origin), "2:03");
  assert.deepEqual(timeline.runAt(p), { run: first, index: 0, ended: false });
  assert.equal(timeline.runAt(timeline.runEndPosition.get(0)).ended, true);
  assert.equal(timeline.runAt(0), null);
  assert.equal(timeline.chatAt(0).length, 0);
  assert.deepEqual(timeline.chatAt(events.length), SAMPLE.chat);
  assert.equal(timeline.positionAt(timeline.end), events.length);
  assert.equal(timeline.positionAt(timeline.origin - 1), 0);
});

test("hidden-test results and timer marks sit on the time line at their times (the hosts' history)", () => {
  const origin = Date.parse(SAMPLE.created_at);
  const result = (id, minutes, passed) => ({ id, version: 117, language: "python", run_id: null, by: "h", name: "Ada",
    at: origin + minutes * 60_000, cases: [], passed, total: 3 });
  const history = {
    ...SAMPLE,
    hidden_results: [result("first", 3, 1), result("second", 9, 3)],
    timer_marks: [{ action: "start", at: origin + 60_000, by: "h", name: "Ada", timer: { duration_ms: 2_700_000 } },
      { action: "pause", at: origin + 10 * 60_000, by: "h", name: "Ada", timer: null }],
  };
  const timeline = new Timeline(history);
  assert.equal(timeline.events.filter((e) => e.kind === "hidden").length, 2);
  assert.equal(timeline.events.filter((e) => e.kind === "timer").length, 2);
  for (let i = 1; i < timeline.events.length; i++) assert.ok(timeline.events[i - 1].at <= timeline.events[i].at);
  assert.equal(timeline.hiddenAt(0), null);
  assert.equal(timeline.hiddenAt(timeline.positionAt(origin + 5 * 60_000)).id, "first");
  assert.equal(timeline.hiddenAt(timeline.events.length).id, "second");
  assert.deepEqual(timeline.timerMarksAt(timeline.positionAt(origin + 2 * 60_000)).map((m) => m.action), ["start"]);
  assert.deepEqual(timeline.timerMarksAt(timeline.events.length).map((m) => m.action), ["start", "pause"]);
  // A history without them (a candidate-free export from before grading) has none.
  assert.equal(new Timeline(SAMPLE).hiddenAt(Infinity), null);
});

test("a history that starts after compaction replays from its start version; earlier runs and chat sit there", () => {
  const states = naiveStates(SAMPLE);
  const history = { ...SAMPLE, start: { version: 100, text: states[100].text }, updates: SAMPLE.updates.slice(100),
    compacted_before: 100 };
  const timeline = new Timeline(history);
  assert.equal(timeline.compactedBefore, 100);
  assert.equal(new Timeline(SAMPLE).compactedBefore, 0);
  assert.equal(timeline.startVersion, 100);
  assert.equal(timeline.endVersion, SAMPLE.version);
  for (let v = SAMPLE.version; v >= 100; v--) assert.equal(timeline.textAt(v), states[v].text, `version ${v}`);
  assert.equal(timeline.textAt(0), states[100].text); // clamped: nothing before the start
  assert.equal(timeline.versionOfPosition(0), 100);
  assert.equal(timeline.positionOfVersion(100), 0);
  for (let v = 101; v <= SAMPLE.version; v++) {
    assert.equal(timeline.versionOfPosition(timeline.positionOfVersion(v)), v);
    assert.equal(timeline.timeOfVersion(v), SAMPLE.updates[v - 1].at);
  }
  // The text there at the start is nobody's; what was typed after is each person's.
  const full = new Timeline(SAMPLE).authorship(SAMPLE.version);
  const after = timeline.authorship(SAMPLE.version);
  const text = SAMPLE.text;
  assert.ok(after.length > 0 && after.length <= full.length);
  for (const span of after) {
    assert.ok(full.some((f) => f.participant === span.participant && f.from <= span.from && span.to <= f.to),
      `${JSON.stringify(text.slice(span.from, span.to))} typed after version 100 was typed by the same person`);
  }
  // Chat and runs keep their times; what happened before the first kept edit is at the start version.
  assert.equal(timeline.events.filter((e) => e.kind === "chat").length, SAMPLE.chat.length);
  const firstEdit = timeline.events.findIndex((e) => e.kind === "update");
  for (let p = 0; p <= firstEdit; p++) assert.equal(timeline.versionOfPosition(p), 100);
  assert.equal(timeline.origin, timeline.events[0].at); // time 0 is the first event kept, not the creation
});

test("names: each person's name at a time (a rename does not rename earlier edits)", () => {
  const at = Date.parse("2026-11-29T11:00:00.000Z");
  const timeline = new Timeline({
    created_at: "2026-11-29T10:59:00.000Z", start: { version: 0, text: "" }, updates: [], runs: [], chat: [],
    participants: {
      p: { name: "Bob (interviewer)", names: [{ name: "Bob (interviewer)", at: at + 60_000 }, { name: "Bo", at }] },
      q: { name: "Ada" }, // stored before names were kept
      r: { name: "Cy", names: [{ name: "Cy", at: null }] },
    },
  });
  assert.equal(timeline.nameAt("p", at - 1), "Bo"); // before the first record: the first name
  assert.equal(timeline.nameAt("p", at), "Bo");
  assert.equal(timeline.nameAt("p", at + 59_999), "Bo");
  assert.equal(timeline.nameAt("p", at + 60_000), "Bob (interviewer)");
  assert.deepEqual(timeline.namesOf("p"), ["Bo", "Bob (interviewer)"]);
  assert.equal(timeline.nameAt("q", at), "Ada");
  assert.equal(timeline.nameAt("r", at), "Cy");
  assert.equal(timeline.nameAt("nobody", at), null);
  assert.deepEqual(timeline.namesOf("nobody"), []);
});

test("formatElapsed", () => {
  assert.equal(formatElapsed(0), "0:00");
  assert.equal(formatElapsed(123_999), "2:03");
  assert.equal(formatElapsed(3_723_000), "1:02:03");
  assert.equal(formatElapsed(-5), "0:00");
});
