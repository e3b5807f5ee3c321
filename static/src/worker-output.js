// Output of a run inside a worker: batched per stream, in order, capped; shared by every language's worker.
const FLUSH_CHARS = 4096;
const FLUSH_MS = 30;
export const MAX_OUTPUT_CHARS = 200000;
const post = self.postMessage.bind(self); // kept: user code may replace the global
const later = self.setTimeout.bind(self);

/** Batches output chunks per stream, keeps their order, and caps a run's total output. */
export class OutputStream {
  constructor(id) {
    this.id = id;
    this.stream = null;
    this.buffer = "";
    this.total = 0;
    this.truncated = false;
    this.lastPost = -Infinity; // the first chunk goes out at once
    this.timer = null;
  }

  write(stream, text) {
    if (this.truncated || text === "") return;
    if (stream !== this.stream) this.flush();
    this.stream = stream;
    const room = MAX_OUTPUT_CHARS - this.total;
    if (text.length > room) {
      this.buffer += text.slice(0, room);
      this.total = MAX_OUTPUT_CHARS;
      this.flush();
      this.truncated = true;
      post({ type: "output", id: this.id, stream: "system", text: "… output truncated (over 200,000 characters)" });
      return;
    }
    this.buffer += text;
    this.total += text.length;
    if (this.buffer.length > FLUSH_CHARS || performance.now() - this.lastPost > FLUSH_MS) this.flush();
    else if (!this.timer) this.timer = later(() => this.flush(), FLUSH_MS); // for code that then waits
  }

  /** The run's final words (a traceback): always shown, even after the cap. */
  writeFinal(stream, text) {
    this.flush();
    post({ type: "output", id: this.id, stream, text });
  }

  flush() {
    this.timer = null;
    if (!this.buffer) return;
    post({ type: "output", id: this.id, stream: this.stream, text: this.buffer });
    this.buffer = "";
    this.lastPost = performance.now();
  }
}
