// Vim keys (@replit/codemirror-vim) with its status line (mode, pending keys, the ":" command line).
import { Prec } from "@codemirror/state";
import * as vimLibrary from "@replit/codemirror-vim";

// Its typings declare Vim a type only; the module exports the object (the ex-command registry).
const { Vim, vim } = /** @type {any} */ (vimLibrary);

const extension = Prec.highest(vim({ status: true })); // ahead of every other keymap, as the library asks

/** `:w` and `:wq` do nothing harmful: the pad is saved keystroke by keystroke, and `onWrite` tells the person so. */
export function setUp({ onWrite }) {
  Vim.defineEx("write", "w", () => onWrite());
  Vim.defineEx("wq", "wq", () => onWrite());
  Vim.defineEx("quit", "q", () => onWrite());
}

export function keymapExtension() {
  return extension;
}
