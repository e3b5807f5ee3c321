// A small, transient message for problems that need no action (e.g. a server `error`).

const SHOW_MS = 5000;

export class Toast {
  constructor(element) {
    this.element = element;
    this.timer = null;
  }

  show(text) {
    this.element.textContent = text;
    this.element.hidden = false;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.element.hidden = true;
    }, SHOW_MS);
  }
}
