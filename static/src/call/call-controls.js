// The call's bar: microphone and camera toggles, the device pickers, hide/show the video, Leave, and a line
// that says what went wrong (a refused camera, a peer that could not connect).
import { callIcon } from "../ui/call-icons.js";

/** Events: `toggle` (detail: "audio" or "video"), `device` (detail: {kind, id}), `leave`, `collapse` (detail: bool). */
export class CallControls extends EventTarget {
  /** `root`: the call's <section>; the bar, the message line and the tiles' list are made inside it. */
  constructor(root) {
    super();
    this.root = root;
    this.bar = document.createElement("div");
    this.bar.className = "call-bar";
    this.bar.setAttribute("role", "toolbar");
    this.bar.setAttribute("aria-label", "Call controls");
    this.microphone = toggle("Microphone", "microphone");
    this.camera = toggle("Camera", "camera");
    this.microphone.addEventListener("click", () => this.emit("toggle", "audio"));
    this.camera.addEventListener("click", () => this.emit("toggle", "video"));

    this.devices = document.createElement("details");
    this.devices.className = "call-devices";
    const summary = document.createElement("summary");
    summary.className = "button button-quiet";
    summary.textContent = "Devices";
    this.pickers = { audio: picker("Microphone device"), video: picker("Camera device") };
    const pickerBox = document.createElement("div");
    pickerBox.className = "call-device-list";
    pickerBox.append(this.pickers.audio.label, this.pickers.video.label);
    this.devices.append(summary, pickerBox);
    for (const kind of /** @type {const} */ (["audio", "video"])) {
      this.pickers[kind].select.addEventListener("change", () =>
        this.emit("device", { kind, id: this.pickers[kind].select.value }));
    }

    this.collapse = document.createElement("button");
    this.collapse.type = "button";
    this.collapse.className = "button button-quiet call-collapse";
    this.collapse.addEventListener("click", () => this.emit("collapse", !this.collapsed));
    this.leave = document.createElement("button");
    this.leave.type = "button";
    this.leave.className = "button button-danger call-leave";
    this.leave.textContent = "Leave call";
    this.leave.addEventListener("click", () => this.emit("leave"));
    const gap = document.createElement("span");
    gap.className = "call-gap";
    this.bar.append(this.microphone, this.camera, this.devices, gap, this.collapse, this.leave);

    this.message = document.createElement("p");
    this.message.className = "call-message";
    this.message.setAttribute("role", "status");
    this.message.hidden = true;
    this.tiles = document.createElement("ul");
    this.tiles.className = "call-tiles";
    this.tiles.id = "call-tiles";
    this.tiles.setAttribute("aria-label", "Video");
    this.collapse.setAttribute("aria-controls", this.tiles.id);
    root.replaceChildren(this.bar, this.message, this.tiles);
    this.setCollapsed(false);
  }

  /** Shows the toggles as my media are: on/off, and disabled when I have no such device in the call. */
  setMedia({ audio, video, hasAudio, hasVideo }) {
    paint(this.microphone, "Microphone", "microphone", audio, hasAudio);
    paint(this.camera, "Camera", "camera", video, hasVideo);
  }

  /** Fills the pickers ({audio: [{id, label}], video: [...]}) with `chosen` ({audio, video} ids) selected. */
  setDevices(found, chosen) {
    for (const kind of /** @type {const} */ (["audio", "video"])) {
      const { select } = this.pickers[kind];
      select.replaceChildren(...found[kind].map(({ id, label }) => {
        const option = document.createElement("option");
        option.value = id;
        option.textContent = label;
        option.selected = id === chosen[kind];
        return option;
      }));
      select.disabled = found[kind].length < 2;
    }
  }

  setCollapsed(collapsed) {
    this.collapsed = collapsed;
    this.root.classList.toggle("is-collapsed", collapsed);
    this.collapse.textContent = collapsed ? "Show video" : "Hide video";
    this.collapse.setAttribute("aria-expanded", String(!collapsed));
  }

  /** A sentence under the bar (null: none). */
  say(text) {
    this.message.textContent = text ?? "";
    this.message.hidden = !text;
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/** A toggle named by its words ("Microphone"); pressed means on. */
function toggle(name, icon) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button call-toggle";
  button.dataset.icon = icon;
  button.dataset.name = name;
  return button;
}

function paint(button, name, icon, on, available) {
  button.setAttribute("aria-pressed", String(on));
  button.disabled = !available;
  button.title = !available ? `${name}: not in use (none was found or allowed)` : on ? `${name} on: click to turn it off` : `${name} off: click to turn it on`;
  const words = document.createElement("span");
  words.className = "call-toggle-words"; // visually hidden on a phone: the name stays
  words.textContent = name;
  button.replaceChildren(callIcon(icon, !on, 16), words);
}

function picker(name) {
  const label = document.createElement("label");
  label.className = "call-device";
  const words = document.createElement("span");
  words.textContent = name.replace(" device", "");
  const select = document.createElement("select");
  select.setAttribute("aria-label", name);
  label.append(words, select);
  return { label, select };
}
