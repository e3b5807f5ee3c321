// One RTCPeerConnection to one other person in the call, negotiated with the "perfect negotiation" pattern:
// the polite side (the higher participant id) gives way when both offer at once, the impolite one ignores the
// other's offer. The impolite side makes the first offer with an audio and a video transceiver; the polite side
// answers on the transceivers that offer made. Mute, camera and device changes swap tracks on those transceivers
// (replaceTrack), so they never renegotiate. Signals go through `send` (call_signal over the session's socket).

/**
 * Events: `stream` (the other's media, a MediaStream that gains their tracks), `state` (detail: the connection's
 * state: "connecting", "connected", "failed", …).
 */
export class PeerLink extends EventTarget {
  /**
   * @param {{id: string, polite: boolean, iceServers: RTCIceServer[], send: (signal: object) => void,
   *   local: () => MediaStream}} options `local`: my media now (its tracks are what I send)
   */
  constructor({ id, polite, iceServers, send, local }) {
    super();
    this.id = id;
    this.polite = polite;
    this.send = send;
    this.local = local;
    this.remote = new MediaStream();
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.closed = false;
    this.restarted = false; // one ICE restart (impolite side) before saying the link failed
    this.queue = Promise.resolve(); // signals are handled one after another, in the order they came
    const pc = new RTCPeerConnection({ iceServers });
    this.pc = pc;
    pc.addEventListener("negotiationneeded", () => this.offer());
    pc.addEventListener("icecandidate", ({ candidate }) => {
      if (candidate) this.send({ candidate: candidate.toJSON() });
    });
    pc.addEventListener("track", ({ track }) => {
      if (!this.remote.getTracks().includes(track)) this.remote.addTrack(track);
      this.dispatchEvent(new CustomEvent("stream", { detail: this.remote }));
    });
    pc.addEventListener("connectionstatechange", () => this.onState(pc.connectionState));
    pc.addEventListener("iceconnectionstatechange", () => {
      if (pc.iceConnectionState === "failed") this.onState("failed");
    });
    if (!polite) {
      const stream = this.local();
      for (const kind of ["audio", "video"]) {
        const track = trackOf(stream, kind);
        pc.addTransceiver(track ?? kind, { direction: "sendrecv", streams: [stream] });
      }
    }
  }

  async offer() {
    if (this.closed) return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      this.send({ description: this.pc.localDescription?.toJSON() });
    } catch (error) {
      console.warn("interview_server: call offer failed", error);
    } finally {
      this.makingOffer = false;
    }
  }

  /** A signal from this person (`{description}`, `{candidate}`), handled after the ones before it. */
  receive(signal) {
    this.queue = this.queue.then(() => this.handle(signal)).catch((error) =>
      console.warn("interview_server: call signal not applied", error));
    return this.queue;
  }

  async handle({ description, candidate }) {
    if (this.closed) return;
    const pc = this.pc;
    if (description && typeof description === "object") {
      const collision = description.type === "offer" && (this.makingOffer || pc.signalingState !== "stable");
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) return;
      await pc.setRemoteDescription(description); // rolls my own offer back first if there was one (polite)
      if (description.type === "offer") {
        this.answerWithMyTracks();
        await pc.setLocalDescription();
        this.send({ description: pc.localDescription?.toJSON() });
      }
    } else if (candidate && typeof candidate === "object") {
      try {
        await pc.addIceCandidate(candidate);
      } catch (error) {
        if (!this.ignoreOffer) throw error;
      }
    }
  }

  /** The polite side sends on the transceivers the other's offer made (they arrive receive-only). */
  answerWithMyTracks() {
    const stream = this.local();
    for (const transceiver of this.pc.getTransceivers()) {
      if (transceiver.direction !== "recvonly" || transceiver.sender.track) continue;
      const track = trackOf(stream, transceiver.receiver.track.kind);
      transceiver.direction = "sendrecv";
      if (track) transceiver.sender.replaceTrack(track);
      transceiver.sender.setStreams?.(stream);
    }
  }

  /** Sends `track` (or nothing: null) in place of what this link sent of its kind (a new camera, a new mic). */
  replaceTrack(kind, track) {
    for (const transceiver of this.pc.getTransceivers()) {
      if (transceiver.receiver.track.kind === kind && transceiver.direction === "sendrecv") {
        transceiver.sender.replaceTrack(track).catch(() => {});
      }
    }
  }

  onState(state) {
    if (this.closed) return;
    if (state === "failed" && !this.polite && !this.restarted) {
      this.restarted = true; // a path may open with fresh candidates (a network change): try once more
      this.pc.restartIce();
    }
    this.dispatchEvent(new CustomEvent("state", { detail: state }));
  }

  /** Video frames decoded from this person so far (getStats' inbound-rtp), for the page's test hook. */
  async framesDecoded() {
    let frames = 0;
    for (const report of (await this.pc.getStats()).values()) {
      if (report.type === "inbound-rtp" && report.kind === "video") frames += report.framesDecoded ?? 0;
    }
    return frames;
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.pc.close();
    for (const track of this.remote.getTracks()) track.stop();
  }
}

function trackOf(stream, kind) {
  return (kind === "audio" ? stream.getAudioTracks() : stream.getVideoTracks())[0] ?? null;
}
