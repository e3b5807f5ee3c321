// A divider between two panes (the WAI-ARIA window splitter): dragged with a pointer, moved with the arrow keys
// (Shift: bigger steps; Home/End: smallest/largest), Enter or a double-click folds its pane and brings it back.
// It sizes one pane, as a percentage of the container, remembered per browser and per direction.

const STEP_PX = 24;
const BIG_STEP_PX = 96;

/** Events: `toggle` (Enter or double-click: fold or restore the pane), `resize` (detail: the size in %). */
export class Splitter extends EventTarget {
  /**
   * `pane`: the pane sized; `after`: true when the divider follows the pane (the problem's, on its right), false
   * when it precedes it (the side column's, on its left or above it); `min()`/`max()`: its bounds in px;
   * `fallback`: its size (%) until the person moves it; `storageKey`: where the size is remembered.
   */
  constructor({ handle, pane, container, after, min, max, fallback, storageKey }) {
    super();
    this.handle = handle;
    this.pane = pane;
    this.container = container;
    this.after = after;
    this.min = min;
    this.max = max;
    this.fallback = fallback;
    this.storageKey = storageKey;
    this.axis = "x";
    this.collapsed = false;
    this.size = fallback; // the person's choice (%); shown clamped to what the window allows now
    handle.addEventListener("keydown", (event) => this.onKey(event));
    handle.addEventListener("pointerdown", (event) => this.onPointerDown(event));
    handle.addEventListener("dblclick", () => this.dispatchEvent(new Event("toggle")));
  }

  /** "x" (panes side by side) or "y" (stacked); each direction has its own remembered size. */
  setAxis(axis) {
    this.axis = axis;
    this.handle.setAttribute("aria-orientation", axis === "x" ? "vertical" : "horizontal");
    this.size = this.load() ?? this.fallback;
    this.apply();
  }

  get extent() {
    const rect = this.container.getBoundingClientRect();
    return (this.axis === "x" ? rect.width : rect.height) || 1;
  }

  /** The size's bounds now, in % of the container. */
  bounds() {
    const extent = this.extent;
    const low = Math.min(100, (this.min() / extent) * 100);
    return { low, high: Math.max(low, Math.min(100, (this.max() / extent) * 100)) };
  }

  /** The size shown: the person's choice within what the window allows (a window made smaller and larger again
   * gets the choice back). */
  get shown() {
    const { low, high } = this.bounds();
    return Math.min(high, Math.max(low, this.size));
  }

  /** Sizes the pane (unless folded) and says its size, in % of the container, to assistive technology. */
  apply() {
    const { low, high } = this.bounds();
    const shown = this.shown;
    this.pane.style.flexBasis = this.collapsed ? "" : `${shown}%`;
    this.handle.setAttribute("aria-valuemin", String(Math.round(low)));
    this.handle.setAttribute("aria-valuemax", String(Math.round(high)));
    this.handle.setAttribute("aria-valuenow", String(Math.round(this.collapsed ? low : shown)));
    this.handle.setAttribute("aria-valuetext", this.collapsed ? "folded" : `${Math.round(shown)}%`);
  }

  /** Sets the size to `px` pixels (within the bounds), remembers it and unfolds the pane. */
  resizeTo(px) {
    this.size = (px / this.extent) * 100;
    this.size = this.shown;
    this.apply();
    this.save();
    this.dispatchEvent(new CustomEvent("resize", { detail: this.size }));
  }

  get px() {
    return (this.shown / 100) * this.extent;
  }

  onKey(event) {
    if (event.key === "Enter") {
      event.preventDefault();
      this.dispatchEvent(new Event("toggle"));
      return;
    }
    const step = event.shiftKey ? BIG_STEP_PX : STEP_PX;
    // Moving the divider towards the pane shrinks it; away from it grows it.
    const grow = this.after ? 1 : -1;
    const moves = this.axis === "x" ? { ArrowLeft: -step * grow, ArrowRight: step * grow } : { ArrowUp: -step * grow, ArrowDown: step * grow };
    let target = null;
    if (event.key in moves) target = this.px + moves[event.key];
    else if (event.key === "Home") target = 0;
    else if (event.key === "End") target = this.extent;
    if (target === null) return;
    event.preventDefault();
    if (this.collapsed) this.dispatchEvent(new Event("toggle")); // a folded pane comes back first
    this.resizeTo(target);
  }

  onPointerDown(event) {
    if (event.button !== 0) return;
    event.preventDefault();
    this.handle.setPointerCapture(event.pointerId);
    this.handle.focus();
    this.container.classList.add("is-resizing");
    if (this.collapsed) this.dispatchEvent(new Event("toggle"));
    const move = (/** @type {PointerEvent} */ e) => {
      const rect = this.pane.getBoundingClientRect();
      const px = this.axis === "x"
        ? (this.after ? e.clientX - rect.left : rect.right - e.clientX)
        : (this.after ? e.clientY - rect.top : rect.bottom - e.clientY);
      this.resizeTo(px);
    };
    const up = () => {
      this.handle.removeEventListener("pointermove", move);
      this.handle.removeEventListener("pointerup", up);
      this.handle.removeEventListener("pointercancel", up);
      this.container.classList.remove("is-resizing");
    };
    this.handle.addEventListener("pointermove", move);
    this.handle.addEventListener("pointerup", up);
    this.handle.addEventListener("pointercancel", up);
  }

  load() {
    try {
      const value = Number.parseFloat(localStorage.getItem(`${this.storageKey}:${this.axis}`) ?? "");
      return Number.isFinite(value) ? value : null;
    } catch {
      return null;
    }
  }

  save() {
    try {
      localStorage.setItem(`${this.storageKey}:${this.axis}`, this.size.toFixed(2));
    } catch {
      // storage blocked: the size lasts for this page
    }
  }
}
