// Oracle for tests/test_rebase_oracle.py: random ChangeSets mapped over each other, and pushed updates
// rebased over accepted ones, by the real @codemirror/state and @codemirror/collab, as JSON lines:
// {kind: "map", a, b, map, mapBefore} (a and b made on one document) and
// {kind: "rebase", doc, over, updates, rebased, composed}: `rebased` moves the updates over `over` one
// accepted update at a time (rebaseUpdates(updates, [u]) for each u, as a client receiving them one
// by one does), `composed` is rebaseUpdates(updates, over) in one call (over their composition).
// Usage: node tests/node/rebase_oracle.mjs COUNT SEED
import { ChangeSet, Text } from "@codemirror/state";
import { rebaseUpdates } from "@codemirror/collab";

const count = Number(process.argv[2] || 1000);
let seed = Number(process.argv[3] || 1);
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (items) => items[Math.floor(random() * items.length)];
const PIECES = ["a", "z", " ", "\n", "😀", "中", "é", "𝔘", "x\ny", "bc"];

function randomText(maxPieces) {
  let text = "";
  const n = Math.floor(random() * maxPieces);
  for (let i = 0; i < n; i++) text += pick(PIECES);
  return text;
}

function randomChanges(length) {
  const specs = [];
  let position = 0;
  const parts = Math.floor(random() * 4);
  for (let p = 0; p < parts && position <= length; p++) {
    const from = position + Math.floor(random() * (length - position + 1));
    const to = from + Math.floor(random() * (length - from + 1) * (random() < 0.5 ? 0 : 0.6));
    specs.push({ from, to, insert: randomText(3) });
    position = to + 1;
  }
  return ChangeSet.of(specs, length);
}

const emit = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

for (let i = 0; i < count; i++) {
  const doc = randomText(25);
  const a = randomChanges(doc.length), b = randomChanges(doc.length);
  emit({ kind: "map", a: a.toJSON(), b: b.toJSON(), map: a.map(b).toJSON(), mapBefore: a.map(b, true).toJSON() });
  // A client made `updates` (chained) on `doc`; meanwhile the server accepted others' updates and,
  // rebased, some of the client's first ones: `over`. Built the way a server would.
  const updates = [];
  let myLength = doc.length;
  for (let n = Math.floor(random() * 4); n > 0; n--) {
    const changes = randomChanges(myLength);
    updates.push({ clientID: "me", changes });
    myLength = changes.newLength;
  }
  const over = [];
  let length = doc.length;
  for (let n = Math.floor(random() * 5); n > 0; n--) {
    const pending = over.reduce((ups, u) => rebaseUpdates(ups, [u]), updates);
    if (pending.length && random() < 0.4) {
      over.push(pending[0]);
      length = pending[0].changes.newLength;
    } else {
      const changes = randomChanges(length);
      over.push({ clientID: pick(["you", "them"]), changes });
      length = changes.newLength;
    }
  }
  const rebased = over.reduce((ups, u) => rebaseUpdates(ups, [u]), updates);
  const composed = rebaseUpdates(updates, over);
  emit({ kind: "rebase", doc, over: over.map((u) => ({ clientID: u.clientID, changes: u.changes.toJSON() })),
         updates: updates.map((u) => ({ clientID: u.clientID, changes: u.changes.toJSON() })),
         rebased: rebased.map((u) => ({ clientID: u.clientID, changes: u.changes.toJSON() })),
         composed: composed.map((u) => ({ clientID: u.clientID, changes: u.changes.toJSON() })) });
}
