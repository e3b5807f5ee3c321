// static/src/board/board-document.js: board lines parse leniently, updates apply once and in order (a gap is
// noticed), my pending operations show on top and leave in order, a resend skips draws already on the board,
// several clients with disconnects end identical, and playback finds the text at any update. Run by
// tests/test_board_document.py (which expects seven tests).
import assert from "node:assert/strict";
import test from "node:test";

import { ChangeSet, Text } from "@codemirror/state";
import { BoardDocument, BoardHistory, applyChangeSet, applyOp, elementsOf } from "../../static/src/board/board-document.js";
import { MAX_PEN_POINTS, penPoints } from "../../static/src/board/geometry.js";

const line = (element) => `${JSON.stringify({ by: "p1", at: 1, color: "#1e1e1e", width: 2, ...element })}\n`;
const pen = (id, x = 0) => ({ id, type: "pen", points: [x, 0, x + 1, 1] });

/** A board authority as docs/PROTOCOL.md describes it: each op becomes one ChangeSet on the board text. */
class Authority {
  constructor() {
    this.doc = Text.empty;
    this.updates = [];
  }

  get text() {
    return this.doc.toString();
  }

  apply(op, participant) {
    const lines = this.text.split("\n").slice(0, -1);
    const index = new Map(lines.map((text, i) => [JSON.parse(text).id, i]));
    let next = lines;
    if (op.kind === "draw" && !index.has(op.element.id)) next = [...lines, line(op.element).slice(0, -1)];
    else if (op.kind === "move") {
      next = lines.map((text) => {
        const element = JSON.parse(text);
        const moved = op.elements.find((m) => m.id === element.id);
        return moved ? JSON.stringify({ ...element, points: moved.points }) : text;
      });
    } else if (op.kind === "erase") next = lines.filter((text) => !op.ids.includes(JSON.parse(text).id));
    else if (op.kind === "clear") next = [];
    const after = next.length ? `${next.join("\n")}\n` : "";
    if (after === this.text) return null;
    const changes = ChangeSet.of([{ from: 0, to: this.doc.length, insert: after }], this.doc.length);
    this.doc = changes.apply(this.doc);
    const update = { changes: changes.toJSON(), participant, at: this.updates.length };
    this.updates.push(update);
    return update;
  }
}

test("lines that do not parse are skipped; of two lines with one id the later wins", () => {
  const text = `${line(pen("a"))}not json\n{"id": 5}\n${line(pen("b"))}${line({ ...pen("a", 9) })}`;
  const elements = [...elementsOf(text).values()];
  assert.deepEqual(elements.map((e) => e.id), ["b", "a"]);
  assert.equal(elements[1].points[0], 9);
});

test("updates apply once, in order; a gap asks for a pull", () => {
  const server = new Authority();
  const doc = new BoardDocument();
  const u1 = server.apply({ kind: "draw", element: pen("a") }, "p1");
  const u2 = server.apply({ kind: "draw", element: pen("b") }, "p1");
  assert.equal(doc.applyUpdates(1, [u2]), "gap");
  assert.equal(doc.applyUpdates(0, [u1]), "applied");
  assert.equal(doc.applyUpdates(0, [u1]), "stale");
  assert.equal(doc.applyUpdates(0, [u1, u2]), "applied");
  assert.equal(doc.version, 2);
  assert.equal(doc.text, server.text);
  assert.equal(doc.applyState(1, "old"), false);
});

test("my operations show on top until answered, first sent first answered", () => {
  const doc = new BoardDocument();
  doc.applyState(0, line(pen("a")) + line(pen("b")));
  doc.addPending({ op: "1", kind: "draw", element: pen("c"), sent: true });
  doc.addPending({ op: "2", kind: "erase", ids: ["a"], sent: true });
  doc.addPending({ op: "3", kind: "move", elements: [{ id: "b", points: [5, 5, 6, 6] }], sent: false });
  assert.deepEqual(doc.elements().map((e) => e.id), ["b", "c"]);
  assert.equal(doc.elements()[0].points[0], 5);
  assert.equal(doc.answered().op, "1");
  assert.equal(doc.answered().op, "2");
  assert.equal(doc.answered(), null); // op 3 was never sent: no answer is its
  assert.equal(doc.pending.length, 1);
});

test("after a reconnect, a draw already on the board is not sent again", () => {
  const doc = new BoardDocument();
  doc.addPending({ op: "1", kind: "draw", element: pen("a"), sent: true });
  doc.addPending({ op: "2", kind: "draw", element: pen("b"), sent: true });
  doc.unsendAll();
  doc.applyState(1, line(pen("a")));
  assert.deepEqual(doc.toResend().map((op) => op.op), ["2"]);
});

test("clients drawing, moving and erasing with disconnects end identical", () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const server = new Authority();
  const clients = [0, 1, 2].map((i) => ({ id: `p${i}`, doc: new BoardDocument(), inbox: [], online: true, n: 0 }));
  const deliver = (client, message) => client.online && client.inbox.push(message);
  const handle = (client, message) => {
    if (message.type === "send") {
      const update = server.apply(message.op, client.id);
      if (update) for (const other of clients) deliver(other, { type: "board_updates", version: server.updates.length - 1, updates: [update] });
      client.inbox.push({ type: "board_done" });
    } else if (message.type === "board_updates") {
      if (client.doc.applyUpdates(message.version, message.updates) === "gap") {
        client.inbox.push({ type: "board_updates", version: client.doc.version, updates: server.updates.slice(client.doc.version) });
      }
    } else if (message.type === "board_done") client.doc.answered();
    else if (message.type === "resend") {
      for (const op of client.doc.toResend()) {
        op.sent = true;
        client.inbox.push({ type: "send", op });
      }
    }
  };
  for (let step = 0; step < 3000; step++) {
    const client = clients[Math.floor(rand() * clients.length)];
    const roll = rand();
    if (roll < 0.05) { // disconnect: answers and updates in flight are lost
      client.online = false;
      client.inbox = [];
      client.doc.unsendAll();
    } else if (roll < 0.1 && !client.online) { // reconnect: pull, then resend
      client.online = true;
      const from = client.doc.version;
      client.inbox.push({ type: "board_updates", version: from, updates: server.updates.slice(from) });
      client.inbox.push({ type: "resend" });
    } else if (roll < 0.5) { // a new op
      const shown = client.doc.elements();
      const pick = shown[Math.floor(rand() * shown.length)];
      const kind = !pick || rand() < 0.5 ? "draw" : rand() < 0.5 ? "move" : "erase";
      const op = { op: `${client.id}-${client.n++}`, kind, sent: client.online,
        element: pen(`${client.id}-${client.n}`, Math.round(rand() * 100)),
        elements: pick ? [{ id: pick.id, points: [rand(), 1, 2, 3] }] : [], ids: pick ? [pick.id] : [] };
      client.doc.addPending(op);
      if (client.online) client.inbox.push({ type: "send", op });
    } else if (client.inbox.length) { // the next thing in this client's pipe
      handle(client, client.inbox.shift());
    }
  }
  for (const client of clients) { // settle: everyone back, every pipe drained
    if (!client.online) {
      client.online = true;
      client.inbox.push({ type: "board_updates", version: client.doc.version, updates: server.updates.slice(client.doc.version) }, { type: "resend" });
    }
  }
  for (let round = 0; round < 200 && clients.some((c) => c.inbox.length); round++) {
    for (const client of clients) {
      while (client.inbox.length) handle(client, client.inbox.shift());
    }
  }
  assert.ok(server.updates.length > 100, `only ${server.updates.length} updates`);
  for (const client of clients) {
    assert.equal(client.doc.pending.length, 0);
    assert.equal(client.doc.text, server.text);
    assert.deepEqual(client.doc.elements(), [...elementsOf(server.text).values()]);
  }
  // The optimistic view is the server's rule too.
  const replayed = new Map();
  applyOp(replayed, { kind: "draw", element: pen("x") });
  assert.deepEqual([...replayed.keys()], ["x"]);
});

test("playback finds the text after any number of updates, forwards and back; pen strokes fit the limit", () => {
  const server = new Authority();
  for (let i = 0; i < 180; i++) server.apply(i % 3 === 2 ? { kind: "erase", ids: [`e${i - 1}`] } : { kind: "draw", element: pen(`e${i}`, i) }, "p1");
  const texts = [""];
  let doc = Text.empty;
  for (const update of server.updates) texts.push((doc = ChangeSet.fromJSON(update.changes).apply(doc)).toString());
  const history = new BoardHistory({ version: 0, text: "", updates: server.updates });
  for (const count of [0, 5, 170, 3, 99, 100, 51, 180, 0, 180]) assert.equal(history.textAfter(count), texts[count]);
  assert.equal(history.textAt(10.5), texts[11]);
  const raw = Array.from({ length: 5001 * 2 }, (_, i) => i * 0.123456);
  const points = penPoints(raw);
  assert.ok(points.length / 2 <= MAX_PEN_POINTS && points.length / 2 > MAX_PEN_POINTS / 2);
  assert.deepEqual(points.slice(-2), raw.slice(-2).map((v) => Math.round(v * 10) / 10));
});

test("ChangeSet JSON applies as @codemirror/state applies it (UTF-16 units, multi-line inserts, deletions)", () => {
  let seed = 3;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pieces = ["a", "{\"id\":1}", "\n", "😀", "中", "é", "x\ny", ""];
  let doc = Text.of(["start"]);
  for (let i = 0; i < 2000; i++) {
    const specs = [];
    let from = 0;
    while (from <= doc.length && rand() < 0.7) {
      from += Math.floor(rand() * Math.min(6, doc.length - from + 1));
      const to = Math.min(doc.length, from + Math.floor(rand() * 4));
      if (from > doc.length) break;
      specs.push({ from, to, insert: pieces[Math.floor(rand() * pieces.length)] });
      from = to + 1;
    }
    const changes = ChangeSet.of(specs, doc.length);
    const json = JSON.parse(JSON.stringify(changes.toJSON()));
    const next = changes.apply(doc);
    assert.equal(applyChangeSet(doc.toString(), json), next.toString());
    doc = next.length > 400 ? Text.of(["start"]) : next;
  }
  assert.throws(() => applyChangeSet("abc", [2]));
  assert.throws(() => applyChangeSet("abc", [4]));
  assert.throws(() => applyChangeSet("abc", ["x"]));
});
