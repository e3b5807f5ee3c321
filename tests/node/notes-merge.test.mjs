// static/src/notes-merge.js: the three-way merge keeps everyone's typing, applies separate edits both, never
// splits a surrogate pair. Run by tests/test_notes_merge.py (`node --test tests/node/notes-merge.test.mjs`).
import assert from "node:assert/strict";
import test from "node:test";

import { mapPosition, mergeNotes, spliceOf } from "../../static/src/notes-merge.js";

const CASES = 4000;
const ALPHABET = ["a", "b", "c", " ", "\n", "é", "中", "😀", "😁", "👍🏽", "𝒳"]; // repeats make diffs ambiguous

/** A seeded PRNG (mulberry32), so a failure names a reproducible case. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (rand, list) => list[Math.floor(rand() * list.length)];
const text = (rand, max) => Array.from({ length: Math.floor(rand() * (max + 1)) }, () => pick(rand, ALPHABET)).join("");

/** One to three random edits of `base`, each at code point boundaries. */
function edit(rand, base) {
  let points = Array.from(base);
  const edits = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < edits; i += 1) {
    const from = Math.floor(rand() * (points.length + 1));
    const to = Math.min(points.length, from + Math.floor(rand() * 4));
    points = [...points.slice(0, from), ...Array.from(text(rand, 4)), ...points.slice(to)];
  }
  return points.join("");
}

const apply = (base, { from, to, insert }) => base.slice(0, from) + insert + base.slice(to);
const splitsPair = (string, index) => index > 0 && index < string.length
  && /[\uD800-\uDBFF]/.test(string[index - 1]) && /[\uDC00-\uDFFF]/.test(string[index]);

test("spliceOf describes the change and never cuts a surrogate pair", () => {
  const rand = random(1);
  for (let i = 0; i < CASES; i += 1) {
    const before = text(rand, 12);
    const after = rand() < 0.2 ? before : edit(rand, before);
    const splice = spliceOf(before, after);
    const context = JSON.stringify({ before, after, splice });
    assert.equal(apply(before, splice), after, context);
    assert.ok(splice.from <= splice.to, context);
    assert.ok(!splitsPair(before, splice.from) && !splitsPair(before, splice.to), context);
    assert.ok(splice.insert.isWellFormed(), context);
    if (before === after) assert.deepEqual(splice, { from: before.length, to: before.length, insert: "" });
  }
});

test("an unchanged side yields the other side, and equal sides yield themselves", () => {
  const rand = random(2);
  for (let i = 0; i < CASES; i += 1) {
    const base = text(rand, 12);
    const mine = edit(rand, base);
    const theirs = edit(rand, base);
    assert.equal(mergeNotes(base, base, theirs), theirs);
    assert.equal(mergeNotes(base, mine, base), mine);
    assert.equal(mergeNotes(base, mine, mine), mine);
  }
});

test("random concurrent edits: separate splices both apply; nobody's inserted text is ever lost", () => {
  const rand = random(3);
  let separate = 0;
  let overlapping = 0;
  for (let i = 0; i < CASES; i += 1) {
    const base = text(rand, 14);
    const mine = edit(rand, base);
    const theirs = edit(rand, base);
    const merged = mergeNotes(base, mine, theirs);
    const a = spliceOf(base, mine);
    const b = spliceOf(base, theirs);
    const context = JSON.stringify({ base, mine, theirs, merged, a, b });
    assert.ok(merged.isWellFormed(), context);
    assert.ok(merged.includes(a.insert), context);
    assert.ok(merged.includes(b.insert), context);
    if (mine === base || theirs === base || mine === theirs) continue;
    const sameInsertionPoint = a.from === a.to && b.from === b.to && a.from === b.from;
    if (!sameInsertionPoint && (a.to <= b.from || b.to <= a.from)) {
      separate += 1;
      const [first, second] = a.to <= b.from ? [a, b] : [b, a];
      const expected = base.slice(0, first.from) + first.insert + base.slice(first.to, second.from) + second.insert
        + base.slice(second.to);
      assert.equal(merged, expected, context);
      assert.equal(merged.length, base.length + mine.length - base.length + theirs.length - base.length, context);
    } else {
      overlapping += 1;
      // Theirs survives whole, with my inserted text right after their change.
      const at = b.from + b.insert.length;
      assert.equal(merged, theirs.slice(0, at) + a.insert + theirs.slice(at), context);
    }
  }
  assert.ok(separate > CASES / 10 && overlapping > CASES / 10, `separate ${separate}, overlapping ${overlapping}`);
});

test("hand cases", () => {
  const cases = [
    // [base, mine, theirs, merged]
    ["a\nb\n", "a\nb\nmine\n", "a\ntheirs\nb\n", "a\ntheirs\nb\nmine\n"],
    ["x", "xA", "xB", "xBA"], // both typed at the same spot: theirs, then mine
    ["hello world", "hello brave world", "hello there", "hello brave there"],
    ["The cat sat", "The dog sat", "The bird sat", "The birddog sat"], // overlap: both words kept
    ["abc", "ac", "ac", "ac"], // the same deletion twice is one deletion
    ["one two three", "one three", "one two three four", "one three four"],
    ["", "mine", "theirs", "theirsmine"],
    ["😀", "😁", "😂", "😂😁"], // a shared high surrogate must not split the emoji
    ["a😀b", "a😀Xb", "a😀b!", "a😀Xb!"],
    ["- strengths\n- concerns\n", "- strengths: clear\n- concerns\n", "- strengths\n- concerns: none\n",
      "- strengths: clear\n- concerns: none\n"],
  ];
  for (const [base, mine, theirs, merged] of cases) {
    assert.equal(mergeNotes(base, mine, theirs), merged, JSON.stringify({ base, mine, theirs }));
  }
});

test("mapPosition keeps a caret before, inside and after a splice sensible", () => {
  const splice = spliceOf("hello world", "hello brave new world"); // inserts "brave new " at 6
  assert.deepEqual(splice, { from: 6, to: 6, insert: "brave new " });
  assert.equal(mapPosition(splice, 3), 3);
  assert.equal(mapPosition(splice, 6), 6);
  assert.equal(mapPosition(splice, 11), 21);
  const replace = spliceOf("The cat sat", "The bird sat");
  assert.equal(mapPosition(replace, 2), 2);
  assert.equal(mapPosition(replace, 5), 4 + replace.insert.length); // inside: the end of the new text
  assert.equal(mapPosition(replace, 11), 12);
});
