// Keeps the hosts' grading messages that arrive before the grading tools have loaded (they load on demand, once
// the page is welcomed as a host), and hands them over once. Tiny: part of every page's first load.

const HELD = new Set(["grading", "hidden_results", "scorecard"]);

export class GradingInbox {
  constructor(connection) {
    this.held = [];
    this.open = true;
    connection.addEventListener("message", (/** @type {CustomEvent} */ { detail }) => {
      if (!this.open || !HELD.has(detail.type)) return;
      if (detail.type === "grading") this.held = []; // a `grading` carries everything before it
      this.held.push(detail);
    });
  }

  /** The messages held so far, oldest first; from now on the tools listen themselves. */
  handOver() {
    this.open = false;
    return this.held.splice(0);
  }
}
