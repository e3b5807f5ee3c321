// Emacs keys (@replit/codemirror-emacs).
import { Prec } from "@codemirror/state";
import { emacs } from "@replit/codemirror-emacs";

const extension = Prec.highest(emacs()); // ahead of every other keymap, as the library asks

export function keymapExtension() {
  return extension;
}
