// What makes the editor comfortable, loaded once it is up (editor.js loadComfort): this person's keymap (Vim or
// Emacs), bracket closing, completion and lint, each as the settings say; the keymaps, the completion sources and
// lint (with its worker: code-tools/) are chunks of their own, loaded when first wanted.
import { autocompletion, closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { Prec } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";

const LOADERS = {
  vim: () => import("./vim-keymap.js"),
  emacs: () => import("./emacs-keymap.js"),
  completion: () => import("../completion/index.js"),
  lint: () => import("../code-tools/lint.js"),
};

// Always on, as before they loaded late: Backspace between a fresh pair removes both, ahead of the default keymap.
const brackets = [closeBrackets(), Prec.high(keymap.of(closeBracketsKeymap))];
const completion = autocompletion();

// Vim's block cursor and Emacs's, and the keymaps' status line, in the page's colours.
const keymapTheme = Prec.highest(EditorView.theme({
  "& .cm-fat-cursor": { background: "color-mix(in srgb, var(--editor-caret) 55%, transparent)", color: "var(--editor-bg)" },
  "&:not(.cm-focused) .cm-fat-cursor": { background: "none", outline: "solid 1px var(--editor-caret)" },
  "& .cm-vim-panel": { padding: "2px 12px", backgroundColor: "var(--surface)", color: "var(--fg)",
    fontFamily: "var(--font-mono)", fontSize: "12.5px", minHeight: "1.6em", alignItems: "center" },
  "& .cm-vim-panel input": { backgroundColor: "inherit", color: "inherit", font: "inherit" },
}));

/** Gives editor.js the extensions for the settings; `refresh()` applies them again when a chunk has loaded. */
export class EditorComfort {
  /** `onWrite`: Vim's `:w` (the pad saves as it goes: the page says so). */
  constructor({ refresh, onWrite = () => {} }) {
    this.refresh = refresh;
    this.onWrite = onWrite;
    this.modules = new Map(); // chunk name -> its module, once loaded
    this.loading = new Set();
  }

  /** This person's extensions for an editor in language `languageId`. */
  extensions(settings, languageId) {
    return [
      settings.keymap === "default" ? [] : [this.chunk(settings.keymap, (module) => module.keymapExtension()), keymapTheme],
      brackets,
      // The language's own sources (editor.js gives a new language's when the session switches).
      settings.autocompletion ? [completion, this.chunk("completion", (module) => module.completionSources(languageId))] : [],
      settings.lint ? this.chunk("lint", (module) => module.lintExtension(languageId)) : [],
    ];
  }

  /** A chunk's extension, or nothing while it loads (the editors get it when it is there). */
  chunk(name, use) {
    const module = this.modules.get(name);
    if (module) return use(module);
    if (!this.loading.has(name)) {
      this.loading.add(name);
      LOADERS[name]().then((loaded) => {
        loaded.setUp?.({ onWrite: this.onWrite });
        this.modules.set(name, loaded);
        this.refresh();
      }, (error) => {
        this.loading.delete(name); // the next change of settings tries again
        console.warn(`interview_server: could not load ${name}:`, error);
      });
    }
    return [];
  }
}
