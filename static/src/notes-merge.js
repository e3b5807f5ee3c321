// Three-way merge of the hosts' private notes (plain text) that never loses what anyone typed.
// Pure: no DOM, so Node tests import it. Positions are UTF-16 units; a splice never splits a surrogate pair.
//
// diff3 by lines (node-diff3). Where both hosts changed the same or touching lines: both sides' changes by
// words (node-diff3's diff); changes that do not overlap all land; overlapping ones again by finer tokens, and
// what still overlaps goes to mergeSplices. node-diff3's LCS (Hunt-McIlroy) takes time growing with the
// square of the length, and faster on repeated tokens (2,000 lines, 30% blank, one token each: 1.5 s), so
// blank lines ride with the line before them, spaces with the word before them, and a step whose work bound
// exceeds MAX_LCS_WORK goes straight to mergeSplices (exact unless one side's edits enclose the other's).
import { diff3Merge, diffIndices } from "node-diff3";

const MAX_LCS_WORK = 20_000_000; // matching pairs times length, both diffs: at most ~15-25 ms here (2 cores)
const LINES = /[^\n]*\n(?:[^\S\n]*\n)*|[^\n]+/g; // a line with the blank lines after it (few repeats)
const TOKENS = [
  /(?:[\p{L}\p{N}\p{M}_]+|[\s\S])\s*/gu, // a word or any other code point, with the space after it
  /[\p{L}\p{N}\p{M}_]+|[\s\S]/gu, // a word, or any other code point
];
const WORD_START = /^[\p{L}\p{N}\p{M}_]+/u;
const WORD_END = /[\p{L}\p{N}\p{M}_]+$/u;

const isHigh = (code) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code) => code >= 0xdc00 && code <= 0xdfff;

/**
 * The change from `before` to `after` as one splice {from, to, insert}: `before.slice(from, to)` became
 * `insert` (the common prefix and suffix are kept), with no end inside a surrogate pair.
 */
export function spliceOf(before, after) {
  const limit = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < limit && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix += 1;
  if (prefix > 0 && isHigh(before.charCodeAt(prefix - 1)) && (prefix < before.length || prefix < after.length)) prefix -= 1;
  let suffix = 0;
  while (suffix < limit - prefix
         && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix += 1;
  if (suffix > 0 && isLow(before.charCodeAt(before.length - suffix))) suffix -= 1;
  return { from: prefix, to: before.length - suffix, insert: after.slice(prefix, after.length - suffix) };
}

/** Where `position` (in the text before `splice`) is afterwards; positions inside a replaced range go to its end. */
export function mapPosition(splice, position) {
  if (position <= splice.from) return position;
  if (position >= splice.to) return position + splice.insert.length - (splice.to - splice.from);
  return splice.from + splice.insert.length;
}

/**
 * Merges `mine` and `theirs`, both edited from `base`, as diff3 does: a part only one side changed takes that
 * side's text, the same change made by both lands once, changes in separate places all land. Where both
 * changed the same place differently (a conflict), nothing typed is lost: see mergeSplices.
 */
export function mergeNotes(base, mine, theirs) {
  if (mine === base || mine === theirs) return theirs;
  if (theirs === base) return mine;
  const [o, a, b] = trimmed([base, mine, theirs].map((text) => text.match(LINES) ?? []));
  if (lcsWork(o.middle, a.middle) + lcsWork(o.middle, b.middle) > MAX_LCS_WORK) {
    return o.head + mergeSplices(o.middle.join(""), a.middle.join(""), b.middle.join(""), true) + o.tail;
  }
  let merged = "";
  for (const region of diff3Merge(a.middle, o.middle, b.middle)) {
    if (region.ok) merged += region.ok.join("");
    else merged += mergeTokens(0, ...[region.conflict.o, region.conflict.a, region.conflict.b].map((lines) => lines.join("")), true);
  }
  return o.head + merged + o.tail;
}

/**
 * A conflict region, merged by TOKENS[level]: changes that only touch (or are equal) all land; overlapping ones
 * go a level finer, then to mergeSplices. `lineStart`: whether `base` starts a line.
 */
function mergeTokens(level, base, mine, theirs, lineStart) {
  if (mine === base || mine === theirs) return theirs;
  if (theirs === base) return mine;
  const [o, a, b] = trimmed([base, mine, theirs].map((text) => text.match(TOKENS[level]) ?? []));
  const startsLine = (before) => (before ? before.endsWith("\n") : lineStart);
  if (lcsWork(o.middle, a.middle) + lcsWork(o.middle, b.middle) > MAX_LCS_WORK) {
    return o.head + mergeSplices(...[o, a, b].map((side) => side.middle.join("")), startsLine(o.head)) + o.tail;
  }
  const hunks = [...changes(o.middle, a.middle, "mine"), ...changes(o.middle, b.middle, "theirs")]
    .sort((x, y) => x.from - y.from || x.to - y.to); // an insertion before a change that starts where it is
  let merged = "";
  let at = 0;
  for (let i = 0; i < hunks.length;) {
    // A cluster: hunks that share a token of the base, or insert at one point, or insert inside a change.
    const from = hunks[i].from;
    let to = hunks[i].to;
    let j = i + 1;
    while (j < hunks.length && (hunks[j].from < to || (hunks[j].from === to && from === to && hunks[j].to === to))) {
      to = Math.max(to, hunks[j].to);
      j += 1;
    }
    const cluster = hunks.slice(i, j);
    merged += o.middle.slice(at, from).join("");
    if (cluster.length === 1) {
      merged += cluster[0].insert;
    } else {
      const side = (name) => applied(o.middle, from, to, cluster.filter((hunk) => hunk.side === name));
      const sides = [o.middle.slice(from, to).join(""), side("mine"), side("theirs")];
      const spanStartsLine = startsLine(o.head + o.middle.slice(0, from).join(""));
      merged += level + 1 < TOKENS.length ? mergeTokens(level + 1, ...sides, spanStartsLine)
        : mergeSplices(...sides, spanStartsLine);
    }
    at = to;
    i = j;
  }
  return o.head + merged + o.middle.slice(at).join("") + o.tail;
}

/** The tokens all three share at the start and the end (stable whatever a diff says), and those between. */
function trimmed(sides) {
  const [o, a, b] = sides;
  let head = 0;
  while (head < o.length && o[head] === a[head] && o[head] === b[head]) head += 1;
  let tail = 0;
  while (tail < o.length - head && tail < a.length - head && tail < b.length - head
         && o.at(-1 - tail) === a.at(-1 - tail) && o.at(-1 - tail) === b.at(-1 - tail)) tail += 1;
  return sides.map((tokens) => ({
    head: tokens.slice(0, head).join(""),
    middle: tokens.slice(head, tokens.length - tail),
    tail: tokens.slice(tokens.length - tail).join(""),
  }));
}

/** One side's changes to `base` (token arrays) as {side, from, to, insert}: base tokens from..to became insert. */
function changes(base, edited, side) {
  return diffIndices(base, edited).map(({ buffer1: [from, length], buffer2Content }) =>
    ({ side, from, to: from + length, insert: buffer2Content.join("") }));
}

/** base[from, to) as text with `hunks` (of one side, inside it, in order) applied. */
function applied(base, from, to, hunks) {
  let text = "";
  let at = from;
  for (const hunk of hunks) {
    text += base.slice(at, hunk.from).join("") + hunk.insert;
    at = hunk.to;
  }
  return text + base.slice(at, to).join("");
}

/** An upper bound of node-diff3's LCS work (Hunt-McIlroy): matching pairs times the shorter length. */
function lcsWork(before, after) {
  const counts = new Map();
  for (const token of after) counts.set(token, (counts.get(token) ?? 0) + 1);
  let pairs = 0;
  for (const token of before) pairs += counts.get(token) ?? 0;
  return pairs * Math.min(before.length, after.length);
}

/**
 * A conflict (or an input too big to diff) as one splice per side. Separate splices both apply (touching ones
 * too, but for text typed where the other side deleted: that is the same place). Overlapping ones keep both
 * texts: `theirs` whole, with the words that differ in mine right after the words that differ in theirs, on a
 * line of their own where those were whole lines, else after a space (where neither side put white space). So
 * both sides' texts are in the result: nothing anyone typed is lost, and a word one side deleted and the
 * other changed stays, changed. `lineStart`: whether `base` starts a line.
 */
function mergeSplices(base, mine, theirs, lineStart) {
  if (mine === base || mine === theirs) return theirs;
  if (theirs === base) return mine;
  const a = spliceOf(base, mine);
  const b = spliceOf(base, theirs);
  if (endsBefore(a, b)) return base.slice(0, a.from) + a.insert + base.slice(a.to, b.from) + b.insert + base.slice(b.to);
  if (endsBefore(b, a)) return base.slice(0, b.from) + b.insert + base.slice(b.to, a.from) + a.insert + base.slice(a.to);
  const { from, to, insert } = wordSplice(theirs, mine);
  const runTogether = to > from && insert && /\S/.test(theirs[to - 1]) && /\S/.test(insert[0]);
  const wholeLines = (from ? theirs[from - 1] === "\n" : lineStart) && (to === theirs.length || theirs[to] === "\n");
  const separator = !runTogether ? "" : wholeLines ? "\n" : " ";
  return theirs.slice(0, to) + separator + insert + theirs.slice(to);
}

/** Whether splice `x` ends before `y` starts, and they are not an insertion and a deletion at one point. */
function endsBefore(x, y) {
  if (x.to < y.from) return true;
  if (x.to > y.from) return false;
  const inserts = (splice) => splice.from === splice.to && splice.insert !== "";
  const deletes = (splice) => splice.from < splice.to && splice.insert === "";
  return !(inserts(x) && (inserts(y) || deletes(y))) && !(deletes(x) && inserts(y));
}

/** spliceOf widened to whole words: a word changed in part counts as changed. */
function wordSplice(older, newer) {
  const { from, to, insert } = spliceOf(older, newer);
  const removed = older.slice(from, to);
  const head = WORD_END.exec(older.slice(0, from))?.[0] ?? "";
  const tail = WORD_START.exec(older.slice(to))?.[0] ?? "";
  const start = head && (WORD_START.test(removed) || WORD_START.test(insert)) ? from - head.length : from;
  const end = tail && (WORD_END.test(removed) || WORD_END.test(insert)) ? to + tail.length : to;
  return { from: start, to: end, insert: older.slice(start, from) + insert + older.slice(to, end) };
}
