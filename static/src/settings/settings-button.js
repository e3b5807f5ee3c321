// The "Editor settings" button and Ctrl/Cmd-, (anywhere on the page, the editor too): open this person's settings
// (settings-dialog.js, loaded when first opened).
export class SettingsButton {
  constructor({ button, settings, toast }) {
    this.settings = settings;
    this.toast = toast;
    this.dialog = null;
    button?.addEventListener("click", () => this.open());
    // Capture: ahead of the editor's keymaps (Vim's and Emacs's too).
    addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key === ",") {
        event.preventDefault();
        event.stopPropagation();
        this.open();
      }
    }, true);
  }

  async open() {
    this.dialog ??= import("./settings-dialog.js").then(({ SettingsDialog }) => new SettingsDialog(this.settings));
    try {
      (await this.dialog).open();
    } catch (failure) {
      this.dialog = null;
      this.toast.show(`Could not open the editor settings: ${failure.message}`);
    }
  }
}
