// The SFU path (Janus's VideoRoom beside Parley): instead of one connection per other
// participant, two in all. You publish on one (your microphone and camera, send only) and
// receive everyone else on the other, whose offers come from the SFU through Parley. The
// SDP and ICE candidates go over Parley's socket like the mesh's; Parley alone talks to
// Janus. Which m-line of the receiving connection carries whom comes with each offer
// (`streams`: [{mid, user}]).
//
// The frames themselves are docs/protocol.md's; index.js maps them to the calls below.

export class SfuSession {
  /**
   * @param {object} options
   * @param {number} options.me
   * @param {import("./media.js").LocalMedia} options.local
   * @param {RTCIceServer[]} options.iceServers
   * @param {(what: "publish"|"answer"|"candidate", data: object) => void} options.send
   *   publish {sdp, restart}: your publisher's offer; answer {sdp}: to the SFU's latest
   *   offer for your receiving connection; candidate {target, candidate}
   * @param {(user: number, stream: MediaStream) => void} options.onStream
   * @param {(user: number, state: string) => void} [options.onState]
   */
  constructor({ me, local, iceServers, send, onStream, onState = () => {} }) {
    this.me = me;
    this.local = local;
    this.iceServers = iceServers;
    this.send = send;
    this.onStream = onStream;
    this.onState = onState;
    /** @type {Map<number, MediaStream>} what you receive, per participant */
    this.streams = new Map();
    /** @type {Map<string, number>} receiving m-line (mid) → participant */
    this.owners = new Map();
    this.publisher = null;
    this.subscriber = null;
    this.senders = { audio: null, video: null };
    this.onTrack = ({ detail }) => this.senders[detail.kind]?.replaceTrack(detail.track).catch(() => {});
    local.addEventListener("track", this.onTrack);
  }

  /** Publish: a send-only connection with one audio and one video section, whose tracks
   * can change later (camera off, screen) without a new offer. */
  async start({ restart = false } = {}) {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    this.publisher?.close();
    this.publisher = pc;
    this.senders.audio = pc.addTransceiver(this.local.audio || "audio", { direction: "sendonly", streams: [this.local.stream] }).sender;
    this.senders.video = pc.addTransceiver(this.local.video || "video", { direction: "sendonly", streams: [this.local.stream] }).sender;
    this.trickle(pc, "publisher");
    await pc.setLocalDescription(await pc.createOffer());
    this.send("publish", { sdp: pc.localDescription.sdp, restart });
  }

  trickle(pc, target) {
    pc.addEventListener("icecandidate", ({ candidate }) => {
      if (!candidate) return;
      const { sdpMid, sdpMLineIndex } = candidate;
      this.send("candidate", { target, candidate: { candidate: candidate.candidate, sdpMid, sdpMLineIndex } });
    });
    pc.addEventListener("connectionstatechange", () => {
      this.onState(target, pc.connectionState);
      if (pc.connectionState === "failed") this.restartIce();
    });
  }

  /** The SFU's answer to your publisher's offer. */
  async published(sdp) {
    await this.publisher.setRemoteDescription({ type: "answer", sdp });
  }

  /** The SFU's offer for your receiving connection (a new one, or a renegotiation when
   * someone starts or stops publishing); answered at once. */
  async offered(sdp, streams = []) {
    if (!this.subscriber) {
      const pc = new RTCPeerConnection({ iceServers: this.iceServers });
      this.subscriber = pc;
      this.trickle(pc, "subscriber");
      pc.addEventListener("track", ({ track, transceiver }) => this.received(track, transceiver.mid));
    }
    for (const { mid, user } of streams) if (mid != null && user != null) this.owners.set(String(mid), user);
    const pc = this.subscriber;
    await pc.setRemoteDescription({ type: "offer", sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    this.send("answer", { sdp: pc.localDescription.sdp });
    // Tracks whose m-line changed hands (or went inactive) leave their old stream.
    for (const transceiver of pc.getTransceivers()) {
      const owner = this.owners.get(String(transceiver.mid));
      for (const [user, stream] of this.streams) {
        const track = transceiver.receiver.track;
        if (user !== owner && stream.getTracks().includes(track)) stream.removeTrack(track);
      }
      if (owner != null && transceiver.currentDirection !== "inactive") this.received(transceiver.receiver.track, transceiver.mid);
    }
  }

  received(track, mid) {
    const user = this.owners.get(String(mid));
    if (user == null || user === this.me) return;
    let stream = this.streams.get(user);
    if (!stream) {
      stream = new MediaStream();
      this.streams.set(user, stream);
    }
    if (!stream.getTracks().includes(track)) {
      for (const old of stream.getTracks()) if (old.kind === track.kind) stream.removeTrack(old);
      stream.addTrack(track);
    }
    this.onStream(user, stream);
  }

  /** A candidate of the SFU's, for one of the two connections. */
  async candidate(target, candidate) {
    const pc = target === "publisher" ? this.publisher : this.subscriber;
    try {
      await pc?.addIceCandidate(candidate);
    } catch (error) {
      console.warn("parley call (sfu):", error);
    }
  }

  removePeer(user) {
    this.streams.delete(user);
    for (const [mid, owner] of [...this.owners]) if (owner === user) this.owners.delete(mid);
  }

  setIceServers(iceServers) {
    this.iceServers = iceServers;
    for (const pc of [this.publisher, this.subscriber]) pc?.setConfiguration({ ...pc.getConfiguration(), iceServers });
  }

  /** After a reconnect: publish again with an ICE restart; the SFU re-offers the rest. */
  restartIce() {
    const pc = this.publisher;
    if (!pc || pc.signalingState !== "stable") return;
    pc.createOffer({ iceRestart: true })
      .then((offer) => pc.setLocalDescription(offer))
      .then(() => this.send("publish", { sdp: pc.localDescription.sdp, restart: true }))
      .catch((error) => console.warn("parley call (sfu):", error));
  }

  shareState() {
    // No peer-to-peer channel through the SFU: see index.js (mute state in SFU mode).
  }

  connections() {
    return [this.publisher, this.subscriber].filter(Boolean);
  }

  close() {
    this.local.removeEventListener("track", this.onTrack);
    this.publisher?.close();
    this.subscriber?.close();
    this.publisher = this.subscriber = null;
  }
}
