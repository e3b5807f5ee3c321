// The language <select>: shows the session's language; a change is a request the server confirms.
import { LANGUAGES } from "../languages/index.js";
import * as protocol from "../protocol.js";

export class LanguagePicker extends EventTarget {
  /** Emits `change` (detail: the language id asked for). */
  constructor(select, current) {
    super();
    this.select = select;
    for (const language of LANGUAGES) {
      const option = document.createElement("option");
      option.value = language.id;
      option.textContent = language.label;
      select.append(option);
    }
    this.set(current);
    select.addEventListener("change", () => this.dispatchEvent(new CustomEvent("change", { detail: select.value })));
  }

  /** Shows `id` as the current language. */
  set(id) {
    this.select.value = id;
  }

  /** The human name of a language ("Python"). */
  label(id) {
    return LANGUAGES.find((language) => language.id === id)?.label ?? id;
  }

  /** The message asking the server to switch everyone to `id`. */
  request(id) {
    return protocol.setLanguage(id);
  }
}
