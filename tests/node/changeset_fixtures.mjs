// Fixture generator for tests/test_properties.py: ChangeSet cases computed by the real
// @codemirror/state, checked in as tests/fixtures/changesets.json so the Python tests need no Node.
// Regenerate (deterministic for a given COUNT and SEED):
//   node tests/node/changeset_fixtures.mjs 2000 20261129 > tests/fixtures/changesets.json
// Each case: {doc, changes, after, mapped: [[pos, assoc, mapPos(pos, assoc)], ...]} and, for some,
// {then, after_then, composed}: a second ChangeSet on `after`, the text after both, and
// A.compose(B).toJSON() (changes.py has no composition: Python checks applying A then B instead).
// About a third of the `changes` are raw, non-canonical JSON (zero keeps, empty deletes, adjacent
// inserts) as a client could send; ChangeSet.fromJSON accepts them and so must the server.
import { readFileSync } from "node:fs";
import { ChangeSet, Text } from "@codemirror/state";

const count = Number(process.argv[2] || 2000);
const seedArg = Number(process.argv[3] || 20261129);
let seed = seedArg;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const below = (n) => Math.floor(random() * n);
const pick = (items) => items[below(items.length)];
// Astral (2 units), CJK, combining marks, ZWJ sequences, tabs and newlines.
const PIECES = ["a", "b", "z", " ", "\n", "\n", "😀", "🎉", "中", "文", "é", "e\u0301", "𝔘", "\t", "x\ny",
  "👩‍💻", "print(1)", "ß", "\u00a0", "日本語"];
const INSERT_PIECES = [...PIECES, "\r\n", "\n\n", ""];

function randomText(maxPieces, pieces = PIECES) {
  let text = "";
  const n = below(maxPieces + 1);
  for (let i = 0; i < n; i++) text += pick(pieces);
  return text;
}

// A ChangeSet built from change specs (sorted, non-overlapping), like an editor's transaction.
function specChangeSet(length) {
  const specs = [];
  let position = 0;
  const parts = below(5);
  for (let p = 0; p < parts && position <= length; p++) {
    // Positions are UTF-16 units and may land inside a surrogate pair, as a buggy client's could.
    const from = position + below(length - position + 1);
    const kind = below(3);  // 0 insert, 1 delete, 2 replace
    const to = kind === 0 ? from : from + below(Math.min(length - from, 8) + 1);
    specs.push({ from, to, insert: kind === 1 ? "" : randomText(3, INSERT_PIECES) });
    position = to + 1;
  }
  return ChangeSet.of(specs, length);
}

// Raw ChangeSet JSON with the odd but legal forms fromJSON accepts.
function rawChangeSetJSON(length) {
  const json = [];
  let left = length;
  while (left > 0 || random() < 0.3) {
    const n = below(Math.min(left, 6) + 1);
    const r = below(6);
    if (r === 0) json.push(n);                                           // keep (maybe 0)
    else if (r === 1) json.push([n]);                                    // delete (maybe [0])
    else if (r === 2) json.push([0, ...randomText(2).split("\n")]);     // pure insert (maybe of "")
    else if (r === 3) json.push([n, "line", "", pick(PIECES).replace(/\n/g, "")]);  // multi-line replace
    else json.push([n, ...randomText(3).split("\n")]);                 // replace (maybe by "")
    left -= r === 2 ? 0 : n;
  }
  return json;
}

function samplePositions(length) {
  const positions = new Set([0, length]);
  for (let i = 0; i < 3 && length > 0; i++) positions.add(below(length + 1));
  return [...positions].sort((a, b) => a - b);
}

const version = JSON.parse(readFileSync(new URL("../../node_modules/@codemirror/state/package.json", import.meta.url))).version;
const cases = [];
for (let i = 0; i < count; i++) {
  const doc = randomText(i % 10 === 0 ? 32 : 12);
  const text = Text.of(doc.split("\n"));
  let changes, json;
  if (i % 3 === 2) {
    json = rawChangeSetJSON(doc.length);
    changes = ChangeSet.fromJSON(json);
  } else {
    changes = specChangeSet(doc.length);
    json = changes.toJSON();
  }
  const afterText = changes.apply(text);
  const testCase = { doc, changes: json, after: afterText.toString(), mapped: [] };
  for (const pos of samplePositions(doc.length)) {
    for (const assoc of [-1, 1]) testCase.mapped.push([pos, assoc, changes.mapPos(pos, assoc)]);
  }
  // compose() expects canonical sets (adjacent inserts in raw JSON make it throw), so spec-built ones only.
  if (i % 3 !== 2 && i % 2 === 0) {
    const then = specChangeSet(afterText.length);
    const composed = changes.compose(then);
    testCase.then = then.toJSON();
    testCase.after_then = composed.apply(text).toString();
    testCase.composed = composed.toJSON();
  }
  cases.push(testCase);
}

// One case per line keeps the checked-in file diffable.
const header = {
  generated_by: "node tests/node/changeset_fixtures.mjs " + count + " " + seedArg + " > tests/fixtures/changesets.json",
  codemirror_state: version,
  note: "Computed by the real @codemirror/state; positions are UTF-16 code units. Do not edit by hand.",
  count,
};
const head = JSON.stringify(header).slice(0, -1);
process.stdout.write(head + ',"cases":[\n' + cases.map((c) => JSON.stringify(c)).join(",\n") + "\n]}\n");
