// Oracle for tests/test_comments.py: where a comment's range ends up after edits, by the real @codemirror/state.
// Each line: {doc, updates: [ChangeSet JSON], madeAt, from, to, expected: [from, to]}: the range [from, to) is taken
// in the document after the first `madeAt` updates, then mapped through the rest with mapPos(pos, -1) (as cursors
// are). Usage: node tests/node/anchor_oracle.mjs COUNT SEED
import { ChangeSet, Text } from "@codemirror/state";

const count = Number(process.argv[2] || 50);
let seed = Number(process.argv[3] || 1);
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (items) => items[Math.floor(random() * items.length)];
const PIECES = ["a", "z", " ", "\n", "😀", "🎉", "中", "文", "é", "x\ny", "def f():\n    return 1\n"];

function randomText(maxPieces) {
  let text = "";
  const n = Math.floor(random() * maxPieces);
  for (let i = 0; i < n; i++) text += pick(PIECES);
  return text;
}

function randomChanges(length) {
  const specs = [];
  let position = 0;
  const parts = 1 + Math.floor(random() * 3);
  for (let p = 0; p < parts && position <= length; p++) {
    const from = position + Math.floor(random() * (length - position + 1));
    const to = from + Math.floor(random() * (length - from + 1) * 0.4);
    const insert = random() < 0.3 ? "" : randomText(3);
    if (from === to && !insert) continue;
    specs.push({ from, to, insert });
    position = to + 1;
  }
  return ChangeSet.of(specs.length ? specs : [{ from: 0, insert: "q" }], length);
}

let made = 0;
while (made < count) {
  let doc = Text.of((randomText(12) + "some code here\n" + randomText(12)).split("\n"));
  const total = 1 + Math.floor(random() * 8);
  const madeAt = Math.floor(random() * total);
  const updates = [];
  let from = 0, to = 0, start = doc.toString();
  for (let i = 0; i < total; i++) {
    if (i === madeAt) {
      from = Math.floor(random() * doc.length);
      to = from + 1 + Math.floor(random() * (doc.length - from));
    }
    const changes = randomChanges(doc.length);
    updates.push(changes);
    doc = changes.apply(doc);
  }
  if (madeAt >= total) continue;
  let [a, b] = [from, to];
  for (const changes of updates.slice(madeAt)) [a, b] = [changes.mapPos(a, -1), changes.mapPos(b, -1)];
  process.stdout.write(JSON.stringify({
    doc: start, updates: updates.map((u) => u.toJSON()), madeAt, from, to, expected: [a, b],
  }) + "\n");
  made++;
}
