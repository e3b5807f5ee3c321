// "Copy invite link": copies the candidate's link (never the host key), with a select-the-text fallback.
import { joinUrlFrom } from "../host-link.js";

const CONFIRM_MS = 2000;

export class InviteButton {
  constructor(button, note, fallbackInput) {
    this.note = note;
    this.input = fallbackInput;
    this.timer = null;
    button.addEventListener("click", () => this.copy());
    fallbackInput.addEventListener("blur", () => {
      fallbackInput.hidden = true;
    });
  }

  async copy() {
    const link = joinUrlFrom(location);
    try {
      await navigator.clipboard.writeText(link);
      this.confirm("Link copied");
    } catch {
      // No clipboard API (plain http on a LAN) or no permission: show the link, selected.
      this.input.value = link;
      this.input.hidden = false;
      this.input.focus();
      this.input.select();
      this.confirm(document.execCommand("copy") ? "Link copied" : "Press Ctrl+C to copy");
    }
  }

  confirm(text) {
    this.note.textContent = text;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.note.textContent = "";
    }, CONFIRM_MS);
  }
}
