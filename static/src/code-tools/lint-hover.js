// @codemirror/view as @codemirror/lint sees it (static/build.mjs points lint's import here): the same module, with a
// small hoverTooltip and activateHover of our own. View's own (~1.7 kB gzip) would otherwise join the first load:
// esbuild puts every part of a module that any file uses into that module's chunk, and view's chunk is first-load
// code, while lint loads later. Ours shows lint's tooltip for the diagnostic under the pointer after a pause, keeps
// it while the pointer is on it, and hides it when the pointer leaves or an edit asks (lint's hideOn).
import { StateEffect, StateField } from "@codemirror/state";
import { ViewPlugin, showTooltip } from "@codemirror/view";

export * from "@codemirror/view";

const HOVER_MS = 300;
const plugins = []; // every hover plugin made, for activateHover

/**
 * A tooltip from `source(view, pos, side)` (a tooltip, an array of them, or a promise of either) where the pointer rests.
 * @param {(view: any, pos: number, side: -1 | 1) => any} source
 * @param {{hideOn?: (tr: any, tooltip: any) => boolean}} [options]
 */
export function hoverTooltip(source, { hideOn } = {}) {
  const set = StateEffect.define();
  const field = StateField.define({
    create: () => null,
    update(tooltip, tr) {
      if (tooltip && tr.docChanged) {
        tooltip = hideOn?.(tr, tooltip) ? null
          : { ...tooltip, pos: tr.changes.mapPos(tooltip.pos), end: tooltip.end == null ? tooltip.end : tr.changes.mapPos(tooltip.end) };
      }
      for (const effect of tr.effects) if (effect.is(set)) tooltip = effect.value;
      return tooltip;
    },
    provide: (f) => showTooltip.from(f),
  });
  const plugin = ViewPlugin.fromClass(class {
    constructor(view) {
      this.view = view;
      this.timer = undefined;
      this.move = (/** @type {MouseEvent} */ event) => {
        clearTimeout(this.timer);
        if (/** @type {Element} */ (event.target).closest?.(".cm-tooltip")) return; // reading the tooltip
        const shown = view.state.field(field);
        const pos = view.posAtCoords({ x: event.clientX, y: event.clientY }, false);
        if (shown && (pos < shown.pos || pos > (shown.end ?? shown.pos))) this.show(null);
        if (/** @type {Element} */ (event.target).closest?.(".cm-content")) this.timer = setTimeout(() => this.hover(event), HOVER_MS);
      };
      this.leave = () => {
        clearTimeout(this.timer);
        this.show(null);
      };
      view.dom.addEventListener("mousemove", this.move);
      view.dom.addEventListener("mouseleave", this.leave);
    }

    hover(/** @type {MouseEvent} */ event) {
      const pos = this.view.posAtCoords({ x: event.clientX, y: event.clientY });
      if (pos === null) return;
      const coords = this.view.coordsAtPos(pos);
      this.activate(pos, coords && event.clientX < coords.left ? -1 : 1);
    }

    activate(pos, side) {
      Promise.resolve(source(this.view, pos, side)).then((found) => {
        const tooltip = Array.isArray(found) ? found[0] : found;
        if (tooltip) this.show(tooltip);
      }, () => {});
    }

    show(tooltip) {
      if (this.view.state.field(field, false) !== tooltip) this.view.dispatch({ effects: set.of(tooltip) });
    }

    destroy() {
      clearTimeout(this.timer);
      this.view.dom.removeEventListener("mousemove", this.move);
      this.view.dom.removeEventListener("mouseleave", this.leave);
    }
  });
  plugins.push(plugin);
  return [field, plugin];
}

/** Shows the hover tooltips at `pos` (lint's F8, next diagnostic), as view's activateHover does. */
export function activateHover(view, pos, side = 1) {
  for (const plugin of plugins) view.plugin(plugin)?.activate(pos, side);
}
