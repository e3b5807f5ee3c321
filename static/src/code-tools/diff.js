// The smallest set of changes that turns one text into another (a formatter's output), as CodeMirror change specs
// {from, to, insert} in UTF-16 offsets of the old text. DOM-free: the code-tools worker runs it, and
// tests/node/format-diff.test.mjs checks it against @codemirror/state.
//
// A character diff keeps another person's cursor on its character: only the characters the formatter touched
// change. Two refinements over a plain character diff:
// - The characters other than whitespace are matched first and only the gaps between them are diffed: a formatter
//   mostly moves whitespace, and of two equally short diffs of "a,b )" -> "a, b)" this keeps `b` where it is
//   (insert " " before it, delete the one after) rather than deleting it and typing it again further on.
// - A long text is first cut at lines (whitespace aside) found once on each side and in the same order (patience
//   diff's anchors; a "}" line, found many times, anchors nothing; nor do short lines), and, between those, at its lines paired in
//   order when both sides have as many and each pair looks alike (quotes or semicolons changed on every line): fast-diff has no time limit
//   and its cost grows with the length times the changes, which such cuts keep small.
import fastDiff from "fast-diff";

const EQUAL = 0;
const INSERT = 1;
const DELETE = -1;
const SMALL = 2000; // characters (both sides): diffed whole, with no cuts
// Shorter lines ("x", "b)") anchor nothing even when found once: a formatter that moves line breaks can make such a
// line of other characters than the one it was.
const MIN_ANCHOR = 8;

/**
 * The changes that turn `before` into `after`, ascending and not overlapping (ChangeSet.of(changes, before.length)).
 * @param {string} before
 * @param {string} after
 * @returns {{from: number, to: number, insert: string}[]}
 */
export function minimalChanges(before, after) {
  return before === after ? [] : changesOf(before, after, 0, []);
}

/** Changes from `a` to `b`, offsets shifted by `base`, appended to `out`. */
function changesOf(a, b, base, out) {
  if (a.length + b.length <= SMALL) return solidChanges(a, b, base, out);
  const la = linesOf(a);
  const lb = linesOf(b);
  let cuts = uniqueAnchors(la, lb).flatMap(([i, j]) => [[la[i].start, lb[j].start], [la[i].end, lb[j].end]]);
  if (!cuts.length && la.length > 1 && la.length === lb.length && la.every((line, i) => alike(line.key, lb[i].key))) {
    cuts = la.slice(1).map((line, i) => [line.start, lb[i + 1].start]);
  }
  if (!cuts.length) return solidChanges(a, b, base, out);
  let from = [0, 0];
  for (const to of [...cuts, [a.length, b.length]]) {
    const pieceA = a.slice(from[0], to[0]);
    const pieceB = b.slice(from[1], to[1]);
    const whole = pieceA.length === a.length && pieceB.length === b.length;
    if (pieceA !== pieceB) (whole ? solidChanges : changesOf)(pieceA, pieceB, base + from[0], out);
    from = to;
  }
  return out;
}

/** Whether two lines may be one line formatted: as long give or take a few characters (quotes, commas, semicolons). */
const alike = (a, b) => Math.abs(a.length - b.length) <= 3 && a[0] === b[0];

/** The lines of `text` other than blank ones: where each starts and ends ("\n" included), and its non-whitespace. */
function linesOf(text) {
  const lines = [];
  for (let start = 0; start < text.length;) {
    const newline = text.indexOf("\n", start);
    const end = newline < 0 ? text.length : newline + 1;
    const key = solid(text.slice(start, end))[0];
    if (key) lines.push({ start, end, key });
    start = end;
  }
  return lines;
}

/** Pairs [i, j] of lines alike and found once in `la` and once in `lb`, the longest run of them in the same order. */
function uniqueAnchors(la, lb) {
  const count = (lines) => {
    const seen = new Map();
    lines.forEach((line, i) => seen.set(line.key, seen.has(line.key) ? -1 : i));
    return seen;
  };
  const inA = count(la);
  const inB = count(lb);
  const pairs = [];
  for (const [key, i] of inA) if (i >= 0 && inB.get(key) >= 0 && key.length >= MIN_ANCHOR) pairs.push([i, inB.get(key)]);
  pairs.sort((x, y) => x[0] - y[0]);
  // Longest increasing run of j (patience sorting): tails[k] is the pair ending the best run of length k + 1.
  const tails = [];
  const previous = new Map();
  for (const pair of pairs) {
    let low = 0;
    let high = tails.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (tails[middle][1] < pair[1]) low = middle + 1;
      else high = middle;
    }
    previous.set(pair, low > 0 ? tails[low - 1] : null);
    tails[low] = pair;
  }
  const run = [];
  for (let pair = tails.at(-1); pair; pair = previous.get(pair)) run.push(pair);
  return run.reverse();
}

/** Changes from `a` to `b` (offsets shifted by `base`), appended to `out`: the non-whitespace characters they share stay. */
function solidChanges(a, b, base, out) {
  const [sa, ia] = solid(a);
  const [sb, ib] = solid(b);
  let oldEnd = 0; // after the last character kept, in a
  let newEnd = 0; //                                  and in b
  const gap = (oldTo, newTo) => {
    const removed = a.slice(oldEnd, oldTo);
    const added = b.slice(newEnd, newTo);
    if (removed !== added) charChanges(removed, added, base + oldEnd, out);
  };
  let pa = 0;
  let pb = 0;
  for (const [op, text] of fastDiff(sa, sb)) {
    if (op === EQUAL) {
      for (let j = 0; j < text.length; j++) {
        gap(ia[pa + j], ib[pb + j]);
        oldEnd = ia[pa + j] + 1;
        newEnd = ib[pb + j] + 1;
      }
    }
    if (op !== INSERT) pa += text.length;
    if (op !== DELETE) pb += text.length;
  }
  gap(a.length, b.length);
  return out;
}

/**
 * The characters of `text` other than whitespace, and where each is in `text`.
 * @param {string} text
 * @returns {[string, number[]]}
 */
function solid(text) {
  let chars = "";
  const at = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 32 || code === 10 || code === 9 || code === 13 || code === 12 || code === 11) continue;
    chars += text[i];
    at.push(i);
  }
  return [chars, at];
}

/** Character changes from `a` to `b`, offsets shifted by `base`, appended to `out` (touching ones merged). */
function charChanges(a, b, base, out) {
  let position = base;
  for (const [op, text] of fastDiff(a, b)) {
    const last = out.at(-1);
    if (op === EQUAL) position += text.length;
    else if (op === DELETE) {
      if (last && last.to === position) last.to += text.length;
      else out.push({ from: position, to: position + text.length, insert: "" });
      position += text.length;
    } else if (last && last.to === position) last.insert += text;
    else out.push({ from: position, to: position, insert: text });
  }
  return out;
}
