// Integrity signals summed up in words (static/src/integrity/summary-text.js) and signals and comments as playback
// events (static/src/playback/review-events.js, through timeline.js). Run: node tests/node/review.test.mjs
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatSpan, summarise, summaryLines } from "../../static/src/integrity/summary-text.js";
import { Timeline } from "../../static/src/playback/timeline.js";

const T0 = 1796450470000;
const paste = (chars, external, at) => ({ id: `i-${at}`, kind: "paste", participant: "bo", name: "Bo", at, version: 1, chars, external });
const away = (ms, at) => ({ id: `i-${at}`, kind: "away", participant: "bo", name: "Bo", at, version: 1, ms, reason: "hidden" });

test("a person's summary says counts and sizes, as the issue's example", () => {
  const events = [paste(1240, true, T0 + 1000), paste(20, false, T0 + 2000), paste(300, true, T0 + 3000),
    away(200_000, T0 + 300_000), away(50_000, T0 + 400_000)];
  const runs = [
    { id: "r1", participant: "bo", name: "Bo", status: "error", started_at: new Date(T0 + 5000).toISOString() },
    { id: "r2", participant: "bo", name: "Bo", status: "ok", started_at: new Date(T0 + 9000).toISOString() },
  ];
  const [bo] = summarise(events, runs).values();
  const lines = summaryLines(bo);
  assert.equal(lines[0], "3 pastes (2 from outside the pad), largest 1,240 characters");
  assert.equal(lines[1], "Away 4 min 10 s in 2 spans");
  assert.equal(lines[2], "No typing bursts");
  assert.match(lines[3], /^2 runs, first working run at /);
  assert.equal(bo.firstOkAt, T0 + 9000);
});

test("spans read as people say them", () => {
  assert.equal(formatSpan(3012), "3 s");
  assert.equal(formatSpan(250_000), "4 min 10 s");
  assert.equal(formatSpan(120_000), "2 min");
  assert.equal(formatSpan(3_720_000), "1 h 2 min");
});

test("playback stops at each signal: time away from its start to its end, comments at their time", () => {
  const history = {
    created_at: new Date(T0).toISOString(),
    start: { version: 0, text: "" },
    updates: [{ changes: [[0, "x"]], participant: "bo", at: new Date(T0 + 1000).toISOString() }],
    participants: { bo: { name: "Bo", color: "#db2777" } },
    integrity: [away(3000, T0 + 8000), paste(500, true, T0 + 2000)],
    comments: [{ id: "t-1", created: { version: 1, from: 0, to: 1, at: T0 + 9000 }, comments: [{ at: T0 + 9000, version: 1 }] }],
  };
  const timeline = new Timeline(history);
  const events = timeline.events.map(({ at, kind, phase }) => [at - T0, kind, phase ?? null]);
  assert.deepEqual(events, [
    [1000, "update", null], [2000, "signal", "at"], [5000, "signal", "start"], [8000, "signal", "end"], [9000, "comment", null],
  ]);
  assert.equal(timeline.versionOfPosition(timeline.length), 1);
});
