// A status line with a coloured dot: text for people and tests, tone for the colour.

export class StatusBadge {
  /** `element` holds the text; its `data-tone` picks the dot colour in style.css. */
  constructor(element) {
    this.element = element;
    this.text = element.querySelector(".status-text") ?? element;
  }

  /** Shows `text`; tone is one of "ok", "busy", "warn", "error". */
  set(text, tone, title = "") {
    this.text.textContent = text;
    this.element.dataset.tone = tone;
    if (title) this.element.title = title;
    else this.element.removeAttribute("title");
  }
}
