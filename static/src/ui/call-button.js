// The first load's part of the call: the Join button (how many are in the call, or that it is full) and the ICE
// servers the welcome brings. The call itself (call/call.js: camera, peer connections, tiles) loads when Join is
// pressed, so a page that never joins never loads it, nor asks for the camera.
import { callIcon } from "./call-icons.js";

/** The most people in one call: each sends their video to every other (a mesh), so 6 means 5 uploads each. */
export const CALL_MESH_LIMIT = 6;

export class CallButton {
  /** `button`: Join; `root`: the call's hidden section; `toast`: where a failure to load is said. */
  constructor({ button, root, connection, presence, toast }) {
    this.button = button;
    this.root = root;
    this.connection = connection;
    this.presence = presence;
    this.toast = toast;
    this.iceServers = [];
    this.call = null; // the loaded call (a promise), once Join was pressed
    this.inCall = false;
    connection.addEventListener("message", (/** @type {CustomEvent} */ { detail: { type, data } }) => {
      if (type === "welcome" && Array.isArray(data.ice_servers)) this.iceServers = data.ice_servers;
      if (type === "error" && data.code === "call_full") {
        this.toast.show(`The call is full: ${CALL_MESH_LIMIT} people are in it, the most one call connects.`);
      }
    });
    presence.addEventListener("participants", () => this.render());
    button.addEventListener("click", () => this.join());
    this.render();
  }

  render() {
    const me = this.presence.me?.id;
    const others = this.presence.people.filter((person) => person.call && person.id !== me).length;
    const full = others >= CALL_MESH_LIMIT;
    // Named by its words ("Join call 2 in the call"): the count shows as a badge, "in the call" only to screen readers.
    const words = document.createElement("span");
    words.className = "call-join-words";
    words.textContent = full ? "Call full" : "Join call";
    /** @type {(Node | string)[]} */
    const parts = [callIcon("camera", false, 16), words];
    if (others && !full) {
      const count = document.createElement("span");
      count.className = "call-count";
      count.textContent = String(others);
      const rest = document.createElement("span");
      rest.className = "visually-hidden";
      rest.textContent = " in the call";
      parts.push(" ", count, rest);
    }
    this.button.replaceChildren(...parts);
    this.button.title = full
      ? `The call has ${CALL_MESH_LIMIT} people, the most this page connects at once (everyone sends to everyone).`
      : others ? `Join the call (${others} in it now)` : "Join a video call with the people in this session";
    this.button.disabled = full || this.joining === true;
    this.button.hidden = this.inCall;
  }

  async join() {
    this.joining = true;
    this.render();
    try {
      this.call ??= import("../call/call.js").then(({ Call }) => {
        const call = new Call({ connection: this.connection, presence: this.presence, root: this.root,
          iceServers: () => this.iceServers, limit: CALL_MESH_LIMIT });
        call.addEventListener("joined", () => this.setInCall(true));
        call.addEventListener("left", () => this.setInCall(false));
        return call;
      });
      await (await this.call).join();
    } catch (failure) {
      this.call = null;
      this.toast.show(`Could not start the call: ${failure.message}`);
    } finally {
      this.joining = false;
      this.render();
    }
  }

  setInCall(inCall) {
    this.inCall = inCall;
    this.render();
  }

  /** The call's figures for tests (window.pad.call()), or null before Join. */
  async stats() {
    return this.call ? (await this.call).stats() : null;
  }
}
