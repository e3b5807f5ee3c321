// Keeps the socket's messages of some types that arrive before the code that handles them has loaded (it loads on
// demand), and hands them over once. Tiny: part of the first load.

export class FrameInbox {
  /** `types`: the message types to keep; at most `limit` are kept (the oldest give way). */
  constructor(connection, types, limit = 500) {
    this.held = [];
    this.open = true;
    connection.addEventListener("message", (/** @type {CustomEvent} */ { detail }) => {
      if (!this.open || !types.includes(detail.type)) return;
      this.held.push(detail);
      if (this.held.length > limit) this.held.shift();
    });
  }

  /** The messages kept so far, oldest first; from now on their handler listens itself. */
  handOver() {
    this.open = false;
    return this.held.splice(0);
  }
}
