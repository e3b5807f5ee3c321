// The call's video tiles: mine and one per other person, a name under each and a muted-microphone mark;
// a person without a camera shows their initial. Collapsed, the tiles shrink to a strip so the code stays in view.
import { callIcon } from "../ui/call-icons.js";

export class VideoTiles {
  /** `list`: the <ul> the tiles go in. */
  constructor(list) {
    this.list = list;
    this.tiles = new Map(); // id -> {item, video, name, mute}
  }

  /** The tile of `id` ({name, color, me}), made on first use; `stream` plays in it when given. */
  show(id, { name, color, me = false }, stream = null) {
    let tile = this.tiles.get(id);
    if (!tile) {
      tile = makeTile(me);
      this.tiles.set(id, tile);
      if (me) this.list.prepend(tile.item);
      else this.list.append(tile.item);
    }
    tile.item.style.setProperty("--person-color", color || "var(--muted)");
    tile.name.textContent = me ? `${name} (you)` : name; // never HTML: names come from other people
    tile.initial.textContent = [...name][0]?.toUpperCase() ?? "";
    tile.item.setAttribute("aria-label", me ? `${name} (you)` : name);
    if (stream && tile.video.srcObject !== stream) {
      tile.video.srcObject = stream;
      tile.video.play().catch(() => {}); // autoplay may wait for a click; Join was one
    }
    return tile;
  }

  /** Marks `id`'s tile with their microphone and camera state ({audio, video}). */
  setState(id, { audio, video }) {
    const tile = this.tiles.get(id);
    if (!tile) return;
    tile.mute.hidden = audio;
    tile.item.classList.toggle("is-camera-off", !video);
  }

  /** Marks `id`'s tile as not connected (true) or connected again (false). */
  setFailed(id, failed) {
    const tile = this.tiles.get(id);
    if (!tile) return;
    tile.item.classList.toggle("is-failed", failed);
    tile.status.hidden = !failed;
  }

  remove(id) {
    const tile = this.tiles.get(id);
    if (!tile) return;
    tile.video.srcObject = null;
    tile.item.remove();
    this.tiles.delete(id);
  }

  clear() {
    for (const id of [...this.tiles.keys()]) this.remove(id);
  }
}

function makeTile(me) {
  const item = document.createElement("li");
  item.className = me ? "call-tile call-tile-me" : "call-tile";
  const video = document.createElement("video");
  video.autoplay = true;
  video.playsInline = true;
  video.muted = me; // my own voice is not played back to me
  const initial = document.createElement("span");
  initial.className = "call-tile-initial";
  initial.setAttribute("aria-hidden", "true");
  const caption = document.createElement("span");
  caption.className = "call-tile-caption";
  const mute = document.createElement("span");
  mute.className = "call-tile-muted";
  mute.setAttribute("role", "img");
  mute.setAttribute("aria-label", "Microphone off");
  mute.title = "Microphone off";
  mute.hidden = true;
  mute.append(callIcon("microphone", true, 12));
  const name = document.createElement("span");
  name.className = "call-tile-name";
  const status = document.createElement("span");
  status.className = "call-tile-status";
  status.textContent = "not connected";
  status.hidden = true;
  caption.append(mute, name, status);
  item.append(video, initial, caption);
  return { item, video, initial, name, mute, status };
}
