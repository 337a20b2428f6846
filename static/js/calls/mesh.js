// The mesh: one RTCPeerConnection per other participant, signalled through Parley.
//
// Each connection follows the "perfect negotiation" pattern (MDN, "Establishing a
// connection: The WebRTC perfect negotiation pattern"): either side may offer whenever its
// tracks change; when two offers cross, the polite side (the one with the higher user id)
// rolls its own back and answers, the impolite side ignores the offer it got. So joining,
// turning a camera on in a voice call or sharing a screen all renegotiate the same way.
//
// ICE restarts when a connection fails, and for every connection when Parley's socket
// comes back after a drop (restartIce(); the next offer carries new credentials).

export class MeshSession {
  /**
   * @param {object} options
   * @param {number} options.me your user id
   * @param {import("./media.js").LocalMedia} options.local what you send
   * @param {RTCIceServer[]} options.iceServers from the server
   * @param {(to: number, data: object) => void} options.signal sends {description} or
   *   {candidate} to one participant through the server
   * @param {(user: number, stream: MediaStream) => void} options.onStream a participant's
   *   media arrived (the same stream object gets their later tracks)
   * @param {(user: number, state: string) => void} [options.onState] connection state
   * @param {(user: number, state: object) => void} [options.onPeerState] what a
   *   participant's media is doing: {muted, camera, sharing}, over a data channel
   */
  constructor({ me, local, iceServers, signal, onStream, onState = () => {}, onPeerState = () => {} }) {
    this.onPeerState = onPeerState;
    this.state = {};
    this.me = me;
    this.local = local;
    this.iceServers = iceServers;
    this.signal = signal;
    this.onStream = onStream;
    this.onState = onState;
    /** @type {Map<number, Peer>} */
    this.peers = new Map();
    this.onTrack = ({ detail }) => this.swapTrack(detail.kind, detail.track);
    local.addEventListener("track", this.onTrack);
  }

  /** Connect to a participant (idempotent): both sides call this; either may offer. */
  addPeer(user) {
    if (user === this.me) return null;
    let peer = this.peers.get(user);
    if (!peer) {
      peer = new Peer(this, user);
      this.peers.set(user, peer);
    }
    return peer;
  }

  removePeer(user) {
    this.peers.get(user)?.close();
    this.peers.delete(user);
  }

  /** A description or candidate from `from`, relayed by the server. */
  async receive(from, data) {
    const peer = this.addPeer(from);
    if (peer) await peer.receive(data);
  }

  swapTrack(kind, track) {
    for (const peer of this.peers.values()) peer.swapTrack(kind, track);
  }

  /** New TURN credentials (after a reconnect): used by the next ICE gathering. */
  setIceServers(iceServers) {
    this.iceServers = iceServers;
    for (const peer of this.peers.values()) peer.pc.setConfiguration({ ...peer.pc.getConfiguration(), iceServers });
  }

  /** ICE restart on every connection (after Parley's socket came back): each offers anew. */
  restartIce() {
    for (const peer of this.peers.values()) {
      peer.restart = true;
      peer.pc.restartIce();
    }
  }

  /** Tell every participant what your media is doing ({muted, camera, sharing}). */
  shareState(state) {
    this.state = state;
    for (const peer of this.peers.values()) peer.sendState();
  }

  /** The peer connections, for getStats() (the browser tests read them). */
  connections() {
    return [...this.peers.values()].map((peer) => peer.pc);
  }

  close() {
    this.local.removeEventListener("track", this.onTrack);
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
  }
}

class Peer {
  constructor(session, user) {
    this.session = session;
    this.user = user;
    this.polite = session.me > user;
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.answerPending = false;
    this.stream = new MediaStream();
    this.senders = { audio: null, video: null };
    this.restart = false;
    const pc = new RTCPeerConnection({ iceServers: session.iceServers });
    this.pc = pc;
    // Mute, camera and screen state go peer to peer: a negotiated channel (same id on
    // both sides, no announcement needed), carried by the first offer's SCTP section.
    this.channel = pc.createDataChannel("parley-state", { negotiated: true, id: 0 });
    this.channel.addEventListener("open", () => this.sendState());
    this.channel.addEventListener("message", ({ data }) => {
      try {
        const state = JSON.parse(data);
        if (state && typeof state === "object") session.onPeerState(user, state);
      } catch {
        // not ours
      }
    });
    const local = session.local;
    for (const kind of ["audio", "video"]) {
      const track = kind === "audio" ? local.audio : local.video;
      if (track) this.senders[kind] = pc.addTrack(track, local.stream);
    }
    pc.addEventListener("negotiationneeded", () => this.offer());
    pc.addEventListener("icecandidate", ({ candidate }) => {
      // The three fields docs/protocol.md allows (not usernameFragment).
      if (candidate) {
        const { sdpMid, sdpMLineIndex } = candidate;
        session.signal(user, { candidate: { candidate: candidate.candidate, sdpMid, sdpMLineIndex } });
      }
    });
    pc.addEventListener("track", ({ track }) => {
      this.stream.addTrack(track);
      track.addEventListener("ended", () => this.stream.removeTrack(track));
      session.onStream(user, this.stream);
    });
    pc.addEventListener("connectionstatechange", () => {
      session.onState(user, pc.connectionState);
      if (pc.connectionState === "failed") pc.restartIce();
    });
  }

  sendState() {
    if (this.channel.readyState === "open") this.channel.send(JSON.stringify(this.session.state));
  }

  async offer() {
    // Fired while an offer of theirs is being answered: that answer settles it.
    if (this.pc.signalingState !== "stable") return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      if (this.pc.localDescription.type !== "offer") return;
      const restart = this.restart;
      this.restart = false;
      this.session.signal(this.user, { description: this.pc.localDescription.toJSON(), restart });
    } catch (error) {
      console.warn("parley call: offer failed", error);
    } finally {
      this.makingOffer = false;
    }
  }

  async receive({ description, candidate }) {
    const pc = this.pc;
    try {
      if (description) {
        // An answer is expected while we are setting one (have-local-offer → stable).
        const ready = !this.makingOffer && (pc.signalingState === "stable" || this.answerPending);
        const collision = description.type === "offer" && !ready;
        this.ignoreOffer = !this.polite && collision;
        if (this.ignoreOffer) return;
        this.answerPending = description.type === "answer";
        await pc.setRemoteDescription(description); // rolls back our offer if polite
        this.answerPending = false;
        if (description.type === "offer") {
          await pc.setLocalDescription();
          this.session.signal(this.user, { description: pc.localDescription.toJSON() });
        }
      } else if (candidate) {
        try {
          await pc.addIceCandidate(candidate);
        } catch (error) {
          if (!this.ignoreOffer) throw error;
        }
      }
    } catch (error) {
      console.warn("parley call: signalling failed", error);
    }
  }

  swapTrack(kind, track) {
    const sender = this.senders[kind];
    if (sender) sender.replaceTrack(track).catch((error) => console.warn("parley call:", error));
    else if (track) this.senders[kind] = this.pc.addTrack(track, this.session.local.stream); // renegotiates
  }

  close() {
    this.pc.close();
    for (const track of this.stream.getTracks()) track.stop();
  }
}
