// static/src/code-tools/diff.js: the changes Format sends (a minimal diff between the text and the formatter's
// output, as a CodeMirror ChangeSet) give exactly the formatted text, leave every character the formatter kept on
// itself (so cursors stay on their characters), never split a surrogate pair, let an edit made meanwhile survive
// (ChangeSet.map), and stay fast on long files. Checked against the real @codemirror/state over many random cases.
// Run by tests/test_format_diff.py (which expects six tests).
import assert from "node:assert/strict";
import test from "node:test";

import { ChangeSet, Text } from "@codemirror/state";
import { minimalChanges } from "../../static/src/code-tools/diff.js";
import { canFormat } from "../../static/src/code-tools/format.js";
import { canFormat as buttonCanFormat } from "../../static/src/code-tools/formattable.js";
import { pick, random } from "./seeded-random.mjs";

const CASES = 3000;
const WORDS = ["x", "total_value", "def", "(", ")", ",", "=", "+=", "é", "中文", "😀", "👍🏽", "'s'", '"s"', "return", "a", "b"];
const SPACES = ["", " ", "  ", "\n", "\n\n", "\t", "    ", "\n    "];


/** The same words with other whitespace between them: what a formatter mostly does. */
function whitespaceCase(rand) {
  const words = Array.from({ length: 1 + Math.floor(rand() * 30) }, () => pick(rand, WORDS));
  const spaced = () => words.map((word, i) => (i ? pick(rand, SPACES) || (rand() < 0.5 ? " " : "") : "") + word).join("") + pick(rand, SPACES);
  return [spaced(), spaced()];
}

/** Whitespace changes and a few others (quotes swapped, a word added or dropped): the general case. */
function generalCase(rand) {
  const [before, after] = whitespaceCase(rand);
  let edited = after;
  for (let n = Math.floor(rand() * 3); n > 0; n--) {
    const at = codePointBoundary(edited, Math.floor(rand() * (edited.length + 1)));
    const end = codePointBoundary(edited, Math.min(edited.length, at + Math.floor(rand() * 4)));
    edited = edited.slice(0, at) + (rand() < 0.5 ? pick(rand, WORDS) : "") + edited.slice(end);
  }
  return [before, edited.replaceAll("'", rand() < 0.5 ? '"' : "'")];
}

function codePointBoundary(text, index) {
  const code = text.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff ? index - 1 : index;
}

const doc = (text) => Text.of(text.split("\n"));
const changeSet = (before, after) => ChangeSet.of(minimalChanges(before, after), before.length);
const isSpace = (char) => /\s/.test(char);
/** UTF-16 offsets of `text`'s characters other than whitespace (a pair's low half left out: no cursor goes there). */
const solidOffsets = (text) =>
  Array.from({ length: text.length }, (_, i) => i).filter((i) => !isSpace(text[i]) && !/[\udc00-\udfff]/.test(text[i]));

test("applying the changes gives exactly the formatted text", () => {
  const rand = random(1);
  for (let n = 0; n < CASES; n++) {
    const [before, after] = n % 2 ? whitespaceCase(rand) : generalCase(rand);
    const changes = minimalChanges(before, after);
    for (let i = 1; i < changes.length; i++) assert.ok(changes[i - 1].to < changes[i].from, `case ${n}: adjacent or overlapping`);
    assert.equal(changeSet(before, after).apply(doc(before)).toString(), after, `case ${n}: ${JSON.stringify([before, after])}`);
    if (before === after) assert.equal(changes.length, 0);
  }
});

test("every character the formatter kept maps onto itself (a cursor before it stays before it)", () => {
  const rand = random(2);
  for (let n = 0; n < CASES; n++) {
    // Only whitespace moves: every other character is kept, the k-th of `before` is the k-th of `after`.
    const [before, after] = whitespaceCase(rand);
    const set = changeSet(before, after);
    const kept = solidOffsets(after);
    solidOffsets(before).forEach((i, k) => {
      assert.equal(set.mapPos(i, 1), kept[k], `case ${n}: character ${i} of ${JSON.stringify([before, after])}`);
    });
    // Long texts (cut at their lines first): the same, when their words are told apart (numbered), as lines of code
    // mostly are.
    if (n % 60 === 0) {
      const words = Array.from({ length: 600 }, (_, i) => `${pick(rand, WORDS)}${i}`);
      const spaced = () => words.map((word, i) => (i ? pick(rand, SPACES) || " " : "") + word).join("");
      const [longBefore, longAfter] = [spaced(), spaced()];
      const longSet = changeSet(longBefore, longAfter);
      const longKept = solidOffsets(longAfter);
      solidOffsets(longBefore).forEach((i, k) => assert.equal(longSet.mapPos(i, 1), longKept[k], `long case ${n}: ${i}`));
    }
    // In the general case: every position inside a run the changes leave alone keeps its character.
    const [b2, a2] = generalCase(rand);
    const general = changeSet(b2, a2);
    const changes = minimalChanges(b2, a2);
    let from = 0;
    for (const change of [...changes, { from: b2.length, to: b2.length }]) {
      for (let i = from; i < change.from; i++) assert.equal(a2[general.mapPos(i, 1)], b2[i], `case ${n}`);
      from = change.to;
    }
  }
});

test("no change starts or ends inside a surrogate pair", () => {
  const rand = random(3);
  const splits = (text, at) => at > 0 && at < text.length && /[\ud800-\udbff]/.test(text[at - 1]) && /[\udc00-\udfff]/.test(text[at]);
  for (let n = 0; n < CASES; n++) {
    const [before, after] = generalCase(rand);
    for (const change of minimalChanges(before, after)) {
      assert.ok(!splits(before, change.from) && !splits(before, change.to), `case ${n}: ${JSON.stringify([before, after])}`);
      assert.ok(!/^[\udc00-\udfff]|[\ud800-\udbff]$/.test(change.insert), `case ${n}: half a pair inserted`);
    }
  }
});

test("an edit made while the format was computed survives it (the format mapped over it)", () => {
  const rand = random(4);
  for (let n = 0; n < CASES; n++) {
    const [before, after] = whitespaceCase(rand);
    // Someone types "§" before a character the formatter keeps, meanwhile.
    const solids = solidOffsets(before);
    if (!solids.length) continue;
    const at = pick(rand, solids);
    const typed = ChangeSet.of([{ from: at, insert: "§" }], before.length);
    const format = changeSet(before, after).map(typed, true); // as code-tools/format.js maps it
    const result = format.apply(typed.apply(doc(before))).toString();
    assert.equal(result.replace("§", ""), after, `case ${n}`);
    const k = solids.indexOf(at);
    const target = solidOffsets(after)[k];
    assert.equal(result.indexOf("§"), target, `case ${n}: "§" moved off its character`);
  }
});

test("long files: a 300-line reformat, quotes changed on every line of 3,000, a few changes in 5,000 lines", () => {
  const rand = random(5);
  const timed = (before, after) => {
    const started = performance.now();
    assert.equal(changeSet(before, after).apply(doc(before)).toString(), after);
    return performance.now() - started;
  };
  const lines = Array.from({ length: 300 }, (_, i) => `def  f${i}( a,b ):\n  return a+b*${i}\n`);
  const reformat = timed(lines.join(""), lines.map((_, i) => `def f${i}(a, b):\n    return a + b * ${i}\n\n\n`).join(""));
  const quotes = timed(
    Array.from({ length: 3000 }, (_, i) => `x${i} = {'k': 'v${i}', 'n':[1,2]}\n`).join(""),
    Array.from({ length: 3000 }, (_, i) => `x${i} = {"k": "v${i}", "n": [1, 2]}\n\n`).join(""),
  );
  const big = Array.from({ length: 5000 }, (_, i) => `line ${i} ${pick(rand, WORDS)}\n`).join("");
  const touched = big.replace("line 10 ", "line  10 ").replace("line 4000 ", "line 4000  ");
  const few = timed(big, touched);
  assert.equal(minimalChanges(big, touched).length, 2);
  // Generous bounds (a shared 2-core machine): what they catch is a cost that grows with length times changes.
  assert.ok(reformat < 1000 && quotes < 2000 && few < 1000, `took ${reformat.toFixed(0)}, ${quotes.toFixed(0)} and ${few.toFixed(0)} ms`);
});

test("the Format button and format.js agree on the languages formatted", () => {
  for (const id of ["python", "javascript", "typescript", "sql", "lua", "ruby"]) assert.equal(canFormat(id), buttonCanFormat(id), id);
});
