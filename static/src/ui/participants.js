// The participant count in the header.

export class Participants {
  constructor(element) {
    this.element = element;
  }

  /** Shows `count` participants ("1 participant", "3 participants"). */
  set(count) {
    if (typeof count !== "number" || count < 0) return;
    this.element.textContent = `${count} ${count === 1 ? "participant" : "participants"}`;
    this.element.hidden = false;
  }
}
