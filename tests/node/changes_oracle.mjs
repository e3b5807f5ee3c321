// Oracle for tests/test_changes_oracle.py: random documents with emoji/CJK/CRLF-free text, random
// ChangeSets built and applied by the real @codemirror/state, printed as JSON lines
// {doc, changes, result, mapped: [[pos, assoc, mapPos(pos, assoc)], ...]}. Usage: node tests/node/changes_oracle.mjs COUNT SEED
import { ChangeSet, Text } from "@codemirror/state";

const count = Number(process.argv[2] || 1000);
let seed = Number(process.argv[3] || 1);
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (items) => items[Math.floor(random() * items.length)];
const PIECES = ["a", "z", " ", "\n", "😀", "🎉", "中", "文", "é", "𝔘", "\t", "x\ny", "👩‍💻"];

function randomText(maxPieces) {
  let text = "";
  const n = Math.floor(random() * maxPieces);
  for (let i = 0; i < n; i++) text += pick(PIECES);
  return text;
}

for (let i = 0; i < count; i++) {
  const doc = randomText(30);
  const specs = [];
  let position = 0;
  const parts = Math.floor(random() * 4);
  for (let p = 0; p < parts && position <= doc.length; p++) {
    // Positions are UTF-16 units and may land inside a surrogate pair, as a buggy client's could.
    const from = position + Math.floor(random() * (doc.length - position + 1));
    const to = from + Math.floor(random() * (doc.length - from + 1) * 0.5);
    specs.push({ from, to, insert: randomText(4) });
    position = to + 1;
  }
  const changes = ChangeSet.of(specs, doc.length);
  const result = changes.apply(Text.of(doc.split("\n"))).toString();
  const mapped = [];
  for (let pos = 0; pos <= doc.length; pos++) {
    for (const assoc of [-1, 1]) mapped.push([pos, assoc, changes.mapPos(pos, assoc)]);
  }
  process.stdout.write(JSON.stringify({ doc, changes: changes.toJSON(), result, mapped }) + "\n");
}
