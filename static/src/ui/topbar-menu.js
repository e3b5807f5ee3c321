// Below 700 px the top bar's actions (language, download, invite) and the interviewer's tools fold into a menu
// that a button opens, so nothing runs off a phone's screen; from 700 px they are back in their bars.
import { NARROW_QUERY } from "./pane-layout.js";

export class TopbarMenu {
  /** `menu`: the top bar's actions; `hostbar`: the interviewer's tools, moved into the menu while narrow. */
  constructor({ button, menu, hostbar = null }) {
    this.button = button;
    this.menu = menu;
    this.hostbar = hostbar;
    this.home = hostbar?.previousElementSibling ?? null; // where the tools go back to (after the top bar)
    this.query = matchMedia(NARROW_QUERY);
    this.query.addEventListener("change", () => this.place());
    button.addEventListener("click", () => this.setOpen(!this.open));
    menu.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.open) {
        this.setOpen(false);
        button.focus();
      }
    });
    // A command chosen closes the menu; copying the invite keeps it open to show "Link copied".
    menu.addEventListener("click", (event) => {
      if (this.open && event.target.closest("button:not(#copy-invite)")) this.setOpen(false);
    });
    document.addEventListener("pointerdown", (event) => {
      const target = /** @type {Node} */ (event.target);
      if (this.open && !menu.contains(target) && !button.contains(target)) this.setOpen(false);
    });
    this.open = false;
    this.place();
  }

  /** The tools inside the menu while narrow, in their own bar otherwise. */
  place() {
    if (this.hostbar && this.home) {
      if (this.query.matches && this.hostbar.parentElement !== this.menu) this.menu.append(this.hostbar);
      else if (!this.query.matches && this.hostbar.parentElement === this.menu) this.home.after(this.hostbar);
    }
    if (!this.query.matches) this.setOpen(false);
  }

  setOpen(open) {
    this.open = open;
    this.menu.classList.toggle("is-open", open);
    this.button.setAttribute("aria-expanded", String(open));
    if (open) this.menu.querySelector("select, button:not([hidden])")?.focus();
  }
}
