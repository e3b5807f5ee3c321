// Who was in the call when (static/src/playback/call-spans.js): history.calls made into spans per person.
// Run: node --test tests/node/call-spans.test.mjs
import assert from "node:assert/strict";
import { test } from "node:test";
import { callSpans } from "../../static/src/playback/call-spans.js";

const change = (participant, at, inCall, audio = true, video = true) =>
  ({ participant, at, in_call: inCall, audio, video });
const shape = (spans) => Object.fromEntries([...spans].map(([id, list]) =>
  [id, list.map(({ from, to, muted }) => ({ from, to, muted }))]));

test("a join, a mute, an unmute and a leave make one span with one muted stretch", () => {
  const spans = callSpans([
    change("ada", 10, true), change("ada", 20, true, false), change("ada", 30, true, true), change("ada", 50, false, false, false),
  ]);
  assert.deepEqual(shape(spans), { ada: [{ from: 10, to: 50, muted: [{ from: 20, to: 30 }] }] });
});

test("leaving and joining again make two spans; a span still open at the end runs on (Infinity)", () => {
  const spans = callSpans([
    change("ada", 10, true), change("bo", 12, true, false, false), change("ada", 20, false), change("ada", 40, true),
  ]);
  assert.deepEqual(shape(spans), {
    ada: [{ from: 10, to: 20, muted: [] }, { from: 40, to: Infinity, muted: [] }],
    bo: [{ from: 12, to: Infinity, muted: [{ from: 12, to: Infinity }] }],
  });
});

test("a leave never joined (before the recording), bad times and ids are left out; ISO times are read", () => {
  const spans = callSpans([
    change("ada", 5, false), change("bo", "not a time", true), { at: 7, in_call: true }, null,
    change("cy", "2026-11-29T11:00:00.000Z", true),
  ]);
  assert.deepEqual(shape(spans), { cy: [{ from: Date.parse("2026-11-29T11:00:00.000Z"), to: Infinity, muted: [] }] });
  assert.deepEqual(shape(callSpans(undefined)), {});
});
