// The smallest set of changes that turns one text into another (a formatter's output), as CodeMirror change specs
// {from, to, insert} in UTF-16 offsets of the old text. DOM-free: the code-tools worker runs it, and
// tests/node/format-diff.test.mjs checks it against @codemirror/state.
//
// Lines first, then characters inside each changed run of lines: a character diff keeps another person's cursor on
// its character (only the characters the formatter touched change), and diffing whole lines first keeps the cost
// near the size of the changes rather than the document's length times them (fast-diff has no time limit).
// Inside a run, the characters other than whitespace are matched first and only the gaps between them are diffed:
// a formatter mostly moves whitespace, and of two equally short diffs of "a,b )" -> "a, b)" this keeps `b` where it
// is (insert " " before it, delete the one after) rather than deleting it and typing it again further on.
import fastDiff from "fast-diff";

const EQUAL = 0;
const INSERT = 1;
const DELETE = -1;
// Lines are coded as one UTF-16 unit each for the line pass; surrogates are skipped (fast-diff mends split pairs).
const FIRST_CODE = 1;
const LAST_CODE = 0xffff;
const SURROGATES = [0xd800, 0xdfff];

/**
 * The changes that turn `before` into `after`, ascending and not overlapping (ChangeSet.of(changes, before.length)).
 * @param {string} before
 * @param {string} after
 * @returns {{from: number, to: number, insert: string}[]}
 */
export function minimalChanges(before, after) {
  if (before === after) return [];
  const lines = linesAsUnits(before, after);
  if (!lines) return runChanges(before, after, 0);
  const changes = [];
  let position = 0; // in `before`
  let removed = ""; // a run of changed lines: the old ones,
  let added = ""; //  and what replaces them
  const flush = () => {
    if (removed || added) changes.push(...runChanges(removed, added, position));
    position += removed.length;
    removed = added = "";
  };
  for (const [op, units] of fastDiff(lines.before, lines.after)) {
    const text = Array.from(units, (unit) => lines.text[unit.charCodeAt(0) - FIRST_CODE]).join("");
    if (op === EQUAL) {
      flush();
      position += text.length;
    } else if (op === DELETE) removed += text;
    else added += text;
  }
  flush();
  return changes;
}

/** Changes from `a` to `b` (offsets shifted by `base`): the non-whitespace characters they share stay. */
function runChanges(a, b, base) {
  const [sa, ia] = solid(a);
  const [sb, ib] = solid(b);
  const changes = [];
  let oldEnd = 0; // after the last character kept, in a
  let newEnd = 0; //                                  and in b
  const gap = (oldTo, newTo) => {
    const removed = a.slice(oldEnd, oldTo);
    const added = b.slice(newEnd, newTo);
    if (removed !== added) charChanges(removed, added, base + oldEnd, changes);
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
      pa += text.length;
      pb += text.length;
    } else if (op === DELETE) pa += text.length;
    else pb += text.length;
  }
  gap(a.length, b.length);
  return changes;
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

/** Character changes from `a` to `b`, offsets shifted by `base`, appended to `changes`. */
function charChanges(a, b, base, changes = []) {
  let position = base;
  for (const [op, text] of fastDiff(a, b)) {
    if (op === EQUAL) position += text.length;
    else if (op === DELETE) {
      const last = changes.at(-1);
      if (last && last.to === position) last.to += text.length; // a replacement: one change
      else changes.push({ from: position, to: position + text.length, insert: "" });
      position += text.length;
    } else if (op === INSERT) {
      const last = changes.at(-1);
      if (last && last.to === position) last.insert += text;
      else changes.push({ from: position, to: position, insert: text });
    }
  }
  return changes;
}

/** Both texts with each line (its "\n" included) as one code unit, or null if there are too many distinct lines. */
function linesAsUnits(before, after) {
  const codes = new Map();
  const text = [];
  let next = FIRST_CODE;
  const encode = (whole) => {
    let out = "";
    for (const line of whole.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
      let code = codes.get(line);
      if (code === undefined) {
        if (next === SURROGATES[0]) next = SURROGATES[1] + 1;
        if (next > LAST_CODE) return null;
        code = next++;
        codes.set(line, code);
        text[code - FIRST_CODE] = line;
      }
      out += String.fromCharCode(code);
    }
    return out;
  };
  const a = encode(before);
  const b = a === null ? null : encode(after);
  return b === null ? null : { before: a, after: b, text };
}
