// The line above the editor that says editing is locked or the interview has ended.

export class SessionBanner {
  constructor(element) {
    this.element = element;
  }

  /** Shows what `info` (session-info.js) means for this person, or hides the banner. */
  show(info) {
    const text = info.ended
      ? "This interview has ended. The session is read-only."
      : info.locked && info.isHost
        ? "Editing is locked for candidates. You can still edit."
        : info.locked
          ? "The interviewer has locked editing. You can still run the code and chat."
          : "";
    this.element.textContent = text;
    this.element.dataset.tone = info.ended ? "ended" : "locked";
    this.element.hidden = !text;
  }
}
