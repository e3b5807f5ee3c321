// The workspace's panes as the person arranges them: problem | editor | side column, with a splitter before and
// after the editor. Side by side from 700 px, stacked below it (editor first, the side column under it). The
// editor keeps a usable minimum; the side column folds to a rail and back (remembered), the problem folds with
// its own Hide/Show button.
import { Splitter } from "./splitter.js";

export const NARROW_QUERY = "(max-width: 699px)";
const EDITOR_MIN = { x: 260, y: 140 }; // px the editor always keeps
const PROBLEM_MIN = 180;
const SIDE_MIN = { x: 240, y: 96 };
const SPLITTER_PX = 6;
const FOLD_KEY = "interview-pad:side-folded";

export class PaneLayout {
  /**
   * `problem`: the ProblemPanel (absent in views without one); `fold`: the side column's Hide/Show button.
   * `names`: the side column's name in the fold button ("side panels", "output").
   */
  constructor({ workspace, editorPane, side, sideSplitter, fold = null, problem = null, problemSplitter = null,
    names = "side panels", storage = "interview-pad:layout" }) {
    this.workspace = workspace;
    this.editorPane = editorPane;
    this.side = side;
    this.fold = fold;
    this.names = names;
    this.problem = problem;
    this.narrowQuery = matchMedia(NARROW_QUERY);
    const axis = () => (this.narrow ? "y" : "x");
    const size = (element) => (element && !element.hidden ? element.getBoundingClientRect()[this.narrow ? "height" : "width"] : 0);
    const length = () => size(workspace);
    this.sideSplitter = new Splitter({
      handle: sideSplitter,
      pane: side,
      container: workspace,
      after: false,
      min: () => SIDE_MIN[axis()],
      max: () => length() - EDITOR_MIN[axis()] - (this.narrow ? size(problem?.root) : size(problem?.root) + SPLITTER_PX) - SPLITTER_PX,
      fallback: 32,
      storageKey: `${storage}:side`,
    });
    this.problemSplitter = problem && problemSplitter && new Splitter({
      handle: problemSplitter,
      pane: problem.root,
      container: workspace,
      after: true,
      min: () => PROBLEM_MIN,
      max: () => length() - EDITOR_MIN.x - size(side) - 2 * SPLITTER_PX,
      fallback: 24,
      storageKey: `${storage}:problem`,
    });
    // Without a visible Show button (the embed view) the column is never folded: nothing would bring it back.
    if (fold) this.sideSplitter.addEventListener("toggle", () => this.setFolded(!this.folded));
    this.problemSplitter?.addEventListener("toggle", () => problem.setExpanded(!problem.expanded));
    problem?.addEventListener("toggle", () => this.refresh());
    fold?.addEventListener("click", () => this.setFolded(!this.folded));
    this.narrowQuery.addEventListener("change", () => this.refresh(true));
    new ResizeObserver(() => this.refresh()).observe(workspace);
    this.folded = false;
    this.setFolded(Boolean(fold) && this.loadFolded(), false);
    this.refresh(true);
  }

  get narrow() {
    return this.narrowQuery.matches;
  }

  /** Folds the side column to a rail (or brings it back); remembered unless `remember` is false. */
  setFolded(folded, remember = true) {
    this.folded = folded;
    this.side.classList.toggle("is-folded", folded);
    this.sideSplitter.collapsed = folded;
    if (this.fold) {
      const label = `${folded ? "Show" : "Hide"} ${this.names}`;
      this.fold.setAttribute("aria-label", label);
      this.fold.title = label;
      this.fold.setAttribute("aria-expanded", String(!folded));
    }
    if (remember) {
      try {
        localStorage.setItem(FOLD_KEY, folded ? "1" : "0");
      } catch {
        // storage blocked: lasts for this page
      }
    }
    this.sideSplitter.apply();
  }

  loadFolded() {
    try {
      return localStorage.getItem(FOLD_KEY) === "1";
    } catch {
      return false;
    }
  }

  /** Re-reads the direction and the problem's state; `axisChanged` re-loads each splitter's remembered size. */
  refresh(axisChanged = false) {
    const axis = this.narrow ? "y" : "x";
    this.workspace.classList.toggle("is-stacked", this.narrow);
    const problemShown = Boolean(this.problem && !this.problem.root.hidden);
    if (this.problemSplitter) {
      this.problemSplitter.handle.hidden = !problemShown || this.narrow;
      this.problemSplitter.collapsed = !this.problem.expanded;
      if (axisChanged) this.problemSplitter.setAxis("x");
      else this.problemSplitter.apply();
      if (this.narrow) this.problem.root.style.flexBasis = "";
    }
    this.sideSplitter.handle.hidden = false;
    if (axisChanged || this.sideSplitter.axis !== axis) this.sideSplitter.setAxis(axis);
    else this.sideSplitter.apply();
  }
}
