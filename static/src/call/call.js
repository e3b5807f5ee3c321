// The call (loaded when I press Join): my camera and microphone, one PeerLink to each other person in the call
// (a mesh: everyone sends to everyone), their tiles, and what the page says when something fails. Signals go over
// the session's socket (call_signal); who is in the call, muted or not, comes from the participants list
// (call_state). The media go peer to peer, never through the server.
import { callSignal, callState } from "../protocol.js";
import { CallControls } from "./call-controls.js";
import { listDevices, openDevice, openLocalMedia } from "./local-media.js";
import { PeerLink } from "./peer-link.js";
import { VideoTiles } from "./video-tiles.js";

const NO_TURN = "this server has no TURN relay, so calls between people behind strict firewalls or NATs cannot " +
  "connect. Its operator can add one: see “Calls across networks” in the server's docs/DEPLOYING.md.";

/** Events: `joined`, `left`. */
export class Call extends EventTarget {
  /**
   * @param {{connection: any, presence: any, root: HTMLElement, iceServers: () => RTCIceServer[], limit: number}} options
   *   `root`: the call's (hidden) section; `iceServers`: the welcome's list, as it is now
   */
  constructor({ connection, presence, root, iceServers, limit }) {
    super();
    this.connection = connection;
    this.presence = presence;
    this.root = root;
    this.iceServers = iceServers;
    this.limit = limit;
    this.controls = new CallControls(root);
    this.tiles = new VideoTiles(this.controls.tiles);
    this.links = new Map(); // participant id -> PeerLink
    this.failed = new Set(); // ids whose link failed (said once)
    this.local = new MediaStream();
    this.media = { audio: false, video: false }; // mine, on or off
    this.chosen = { audio: "", video: "" }; // device ids picked
    this.joined = false;
    this.joining = false;
    this.controls.addEventListener("toggle", (/** @type {CustomEvent} */ { detail }) => this.toggle(detail));
    this.controls.addEventListener("device", (/** @type {CustomEvent} */ { detail }) => this.useDevice(detail.kind, detail.id));
    this.controls.addEventListener("collapse", (/** @type {CustomEvent} */ { detail }) => this.controls.setCollapsed(detail));
    this.controls.addEventListener("leave", () => this.leave());
    connection.addEventListener("message", (/** @type {CustomEvent} */ { detail }) => this.onMessage(detail));
    connection.addEventListener("close", () => this.onDisconnect());
    presence.addEventListener("participants", () => this.sync());
  }

  /** Others in the call now (by the latest participants list). */
  othersInCall() {
    return this.presence.people.filter((person) => person.call && person.id !== this.presence.me?.id);
  }

  /** Asks for my camera and microphone (the first time the page does), then joins with what I have; throws when
   * the call is full. */
  async join() {
    if (this.joined || this.joining) return;
    if (this.othersInCall().length >= this.limit) {
      throw new Error(`the call is full: it has ${this.limit} people, the most this page connects at once.`);
    }
    this.joining = true;
    try {
      const { stream, notice } = await openLocalMedia(this.chosen);
      this.local = stream;
      this.media = { audio: stream.getAudioTracks().length > 0, video: stream.getVideoTracks().length > 0 };
      for (const kind of /** @type {const} */ (["audio", "video"])) this.chosen[kind] = trackOf(stream, kind)?.getSettings().deviceId ?? "";
      this.joined = true;
      this.failed.clear();
      this.root.hidden = false;
      this.controls.say(notice);
      this.showMine();
      this.sendState();
      this.sync();
      this.dispatchEvent(new Event("joined"));
      if (stream.getTracks().length) listDevices().then((found) => this.controls.setDevices(found, this.chosen));
    } finally {
      this.joining = false;
    }
  }

  /** Hangs up with everyone, turns my camera and microphone off and leaves the call. */
  leave() {
    if (!this.joined) return;
    for (const id of [...this.links.keys()]) {
      this.connection.send(callSignal(id, { bye: true }));
      this.drop(id);
    }
    this.joined = false;
    for (const track of this.local.getTracks()) track.stop();
    this.local = new MediaStream();
    this.tiles.clear();
    this.controls.say(null);
    this.root.hidden = true;
    this.connection.send(callState(false, false, false));
    this.dispatchEvent(new Event("left"));
  }

  sendState() {
    if (this.joined) this.connection.send(callState(true, this.media.audio, this.media.video));
  }

  showMine() {
    const me = this.presence.me ?? { id: "me", name: this.presence.name ?? "You", color: "" };
    this.tiles.show("me", { ...me, me: true }, this.local);
    this.tiles.setState("me", this.media);
    this.controls.setMedia({ ...this.media, hasAudio: Boolean(trackOf(this.local, "audio")),
      hasVideo: Boolean(trackOf(this.local, "video")) });
  }

  /** My microphone ("audio") or camera ("video") on or off: the track keeps going, silent or black. */
  toggle(kind) {
    const track = trackOf(this.local, kind);
    if (!track) return;
    track.enabled = !track.enabled;
    this.media = { ...this.media, [kind]: track.enabled };
    this.showMine();
    this.sendState();
  }

  /** Switches to another microphone or camera; every link sends the new one without renegotiating. */
  async useDevice(kind, id) {
    const old = trackOf(this.local, kind);
    if (!this.joined || !id || old?.getSettings().deviceId === id) return;
    try {
      const track = await openDevice(kind, id);
      track.enabled = this.media[kind];
      if (old) {
        this.local.removeTrack(old);
        old.stop();
      }
      this.local.addTrack(track);
      this.chosen[kind] = id;
      for (const link of this.links.values()) link.replaceTrack(kind, track);
    } catch (error) {
      this.controls.say(`Could not switch to that ${kind === "audio" ? "microphone" : "camera"} (${error.name}).`);
    }
  }

  /** Links to everyone in the call, none to anyone else (they left the call or the session). */
  sync() {
    if (!this.joined) return;
    const me = this.presence.me;
    if (me) this.showMine();
    const inCall = new Map(this.othersInCall().map((person) => [person.id, person]));
    for (const id of [...this.links.keys()]) if (!inCall.has(id)) this.drop(id);
    if (!me || !this.connection.isOpen) return;
    for (const person of inCall.values()) {
      this.tiles.show(person.id, person);
      this.tiles.setState(person.id, person.call);
      if (!this.links.has(person.id)) this.link(person);
    }
  }

  /** A PeerLink to `person` ({id, name, color}); the side with the higher id is the polite one. */
  link(person) {
    const id = person.id;
    const link = new PeerLink({
      id,
      polite: this.presence.me.id > id,
      iceServers: this.iceServers(),
      send: (signal) => this.connection.send(callSignal(id, signal)),
      local: () => this.local,
    });
    link.addEventListener("stream", (/** @type {CustomEvent} */ { detail }) =>
      this.tiles.show(id, this.presence.participant(id) ?? person, detail));
    link.addEventListener("state", (/** @type {CustomEvent} */ { detail }) => this.onLinkState(id, detail));
    this.links.set(id, link);
    this.tiles.show(id, person);
    return link;
  }

  drop(id) {
    this.links.get(id)?.close();
    this.links.delete(id);
    this.tiles.remove(id);
  }

  onLinkState(id, state) {
    const name = this.presence.participant(id)?.name ?? "someone";
    if (state === "connected" && this.failed.delete(id)) {
      this.tiles.setFailed(id, false);
      if (this.failed.size === 0) this.controls.say(null);
    }
    if (state !== "failed" || this.failed.has(id)) return;
    this.failed.add(id);
    this.tiles.setFailed(id, true);
    const turn = this.iceServers().some((server) => [server.urls].flat().some((url) => /^turns?:/.test(String(url))));
    this.controls.say(turn ? `Could not connect to ${name}.` : `Could not connect to ${name}: ${NO_TURN}`);
  }

  onMessage({ type, data }) {
    if (type === "welcome") this.sendState(); // a new connection: back in the call (links follow the list)
    if (type === "error" && data.code === "call_full" && this.joined) {
      this.leave(); // others filled the last place first (ui/call-button.js says so)
      return;
    }
    if (type !== "call_signal" || !this.joined || typeof data.from !== "string") return;
    const signal = data.signal ?? {};
    if (signal.bye) {
      this.drop(data.from);
      return;
    }
    let link = this.links.get(data.from);
    if (!link && signal.description?.type === "offer" && this.presence.me) {
      link = this.link(this.presence.participant(data.from) ?? { id: data.from, name: "Someone", color: "" });
    }
    link?.receive(signal);
  }

  /** The socket dropped: everyone sees me gone, so the links end; they are made again once reconnected. */
  onDisconnect() {
    if (!this.joined) return;
    for (const id of [...this.links.keys()]) this.drop(id);
  }

  /** For tests (window.pad.call()): am I in the call, and each link's state and video frames decoded. */
  async stats() {
    const peers = await Promise.all([...this.links.values()].map(async (link) => ({
      id: link.id,
      connectionState: link.pc.connectionState,
      signalingState: link.pc.signalingState,
      framesDecoded: await link.framesDecoded(),
    })));
    return { joined: this.joined, media: this.media, peers };
  }
}

function trackOf(stream, kind) {
  return (kind === "audio" ? stream.getAudioTracks() : stream.getVideoTracks())[0] ?? null;
}
