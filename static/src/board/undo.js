// Undo of my own board changes: each entry says how to take one of my changes back (erase what I drew, move
// back what I moved, draw again what I erased). Only my changes are on it: others' strokes are never undone.
const MAX_ENTRIES = 100;

export class UndoStack {
  constructor(sync) {
    this.sync = sync;
    this.entries = []; // {erase: [id]} | {move: [{id, points}]} | {redraw: [element]}
  }

  push(entry) {
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.shift();
  }

  reset() {
    this.entries = [];
  }

  canUndo() {
    return this.entries.length > 0;
  }

  /** Takes back my last change that still means something (its elements may have been erased since). */
  undo() {
    const present = () => new Map(this.sync.elements().map((element) => [element.id, element]));
    while (this.entries.length) {
      const entry = this.entries.pop();
      const now = present();
      if (entry.erase) {
        const ids = entry.erase.filter((id) => now.has(id));
        if (!ids.length) continue;
        this.sync.perform({ kind: "erase", ids });
      } else if (entry.move) {
        const elements = entry.move.filter(({ id }) => now.has(id));
        if (!elements.length) continue;
        this.sync.perform({ kind: "move", elements });
      } else if (entry.redraw) {
        const elements = entry.redraw.filter(({ id }) => !now.has(id));
        if (!elements.length) continue;
        // Drawn again with the same ids, on top (the protocol has no "insert at"); the server stamps them as mine.
        for (const { id, type, color, width, points, text, size } of elements) {
          this.sync.perform({ kind: "draw", element: { id, type, color, width, points, ...(type === "text" ? { text, size } : {}) } });
        }
      }
      return true;
    }
    return false;
  }
}
