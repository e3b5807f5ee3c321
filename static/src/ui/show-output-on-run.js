// "Show Output when anyone runs code": a run (mine or someone else's) brings the Output tab forward unless the
// person turned that off (remembered per browser); otherwise, or while they type in another panel, the tab gets
// an attention dot for someone else's run instead.
const KEY = "interview-pad:output-on-run";

export class ShowOutputOnRun {
  /** `output`: the OutputPanel; `tab`: the Output tab's PanelHandle; `layout`: unfolds the side column for my runs. */
  constructor({ checkbox, output, tab, layout = null }) {
    this.checkbox = checkbox;
    this.tab = tab;
    checkbox.checked = load() !== "off";
    checkbox.addEventListener("change", () => save(checkbox.checked ? "on" : "off"));
    output.addEventListener("run", (/** @type {CustomEvent} */ { detail: { mine, earlier } }) => {
      if (earlier) return;
      // Someone else's run never pulls away a person typing in another panel, nor unfolds the column.
      const typingElsewhere = document.activeElement?.closest(".side-panel") && !tab.panel.contains(document.activeElement);
      if (checkbox.checked && (mine || (!typingElsewhere && !layout?.folded))) {
        if (mine && layout?.folded) layout.setFolded(false, false);
        tab.select();
      } else if (!mine) {
        tab.attention("new output");
      }
    });
  }
}

function load() {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

function save(value) {
  try {
    localStorage.setItem(KEY, value);
  } catch {
    // storage blocked: lasts for this page
  }
}
