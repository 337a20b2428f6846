// The SFU path (Janus's VideoRoom beside Parley; docs/protocol.md, "call.sfu.*"): instead
// of one connection per other participant, two in all. You publish on one (your
// microphone and camera, send only) and receive everyone else on the other, whose offers
// come from the SFU through Parley. SDP and ICE candidates go over Parley's socket; Parley
// alone talks to Janus. Which m-line of the receiving connection carries whom comes with
// each call.sfu.offer (`streams`: [{mid, user, kind}]).
//
// 1. publish: call.sfu.publish (your offer) → call.sfu.answer.
// 2. call.sfu.feeds (who publishes) → call.sfu.subscribe with those not received yet →
//    call.sfu.offer → your answer in call.sfu.start → call.done. Later feeds subscribe
//    again (the SFU renegotiates the same connection); when someone stops publishing the
//    SFU re-offers by itself (call.sfu.offer with "ref": null), answered the same way.
// 3. call.sfu.candidate trickles your candidates for the publisher or the subscriber.
// 4. call.media tells the others your mute, camera and screen state (theirs comes as
//    call.media too).
// After a reconnect the server has a fresh place in the room for the new socket (the old
// one's ended with it): restart() drops both connections and does 1 and 2 again. A
// connection that fails (ICE) does the same without a reconnect: index.js sends
// call.join again (the server then gives the socket a fresh place) and restarts.
//
// Every step runs in turn (one queue), so offers and answers never cross.

export class SfuSession {
  /**
   * @param {object} options
   * @param {number} options.me
   * @param {number} options.call the call's id
   * @param {import("./media.js").LocalMedia} options.local
   * @param {RTCIceServer[]} options.iceServers
   * @param {(frame: object) => Promise<object>} options.request a frame with a ref; its reply
   * @param {(frame: object) => void} options.send a frame without reply (candidates)
   * @param {(user: number, stream: MediaStream) => void} options.onStream
   * @param {(user: number, state: object) => void} [options.onPeerState] {camera}: whether
   *   video comes from them (no data channel through the SFU: media flowing tells)
   * @param {(target: string, state: string) => void} [options.onState]
   * @param {(text: string) => void} [options.onProblem] something the user should know
   * @param {() => void} [options.onFailed] a connection with the SFU failed (ICE): the
   *   caller takes a fresh place in the room (call.join) and calls restart()
   */
  constructor({ me, call, local, iceServers, request, send, onStream, onPeerState = () => {}, onState = () => {}, onProblem = () => {}, onFailed = () => {} }) {
    this.me = me;
    this.call = call;
    this.local = local;
    this.iceServers = iceServers;
    this.request = request;
    this.send = send;
    this.onStream = onStream;
    this.onState = onState;
    this.onPeerState = onPeerState;
    this.onProblem = onProblem;
    this.onFailed = onFailed;
    this.state = null; // your media state, as last told (call.media)
    /** @type {Map<number, MediaStream>} what you receive, per participant (index.js: peers) */
    this.peers = new Map();
    /** @type {Map<string, number>} receiving m-line (mid) → participant */
    this.owners = new Map();
    /** users whose feeds the SFU carries now, and those the subscriber receives */
    this.feeds = new Set();
    this.subscribed = new Set();
    this.publisher = null;
    this.subscriber = null;
    this.senders = { audio: null, video: null };
    this.queue = Promise.resolve();
    this.closed = false;
    this.generation = 0; // bumped by restart(): steps of the old connections stop
    this.onTrack = ({ detail }) => this.senders[detail.kind]?.replaceTrack(detail.track).catch(() => {});
    local.addEventListener("track", this.onTrack);
  }

  /** Run `step` after the steps before it (errors logged, never blocking the queue). */
  enqueue(step) {
    const generation = this.generation;
    this.queue = this.queue
      .then(() => (this.closed || generation !== this.generation ? null : step()))
      .catch((error) => console.warn("parley call (sfu):", error));
    return this.queue;
  }

  /** Publish: a send-only connection with one audio and one video section, whose tracks
   * can change later (camera on or off, a screen) without a new offer. */
  start() {
    return this.enqueue(() => this.publish());
  }

  async publish() {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    this.publisher = pc;
    const stream = this.local.stream;
    this.senders.audio = pc.addTransceiver(this.local.audio || "audio", { direction: "sendonly", streams: [stream] }).sender;
    this.senders.video = pc.addTransceiver(this.local.video || "video", { direction: "sendonly", streams: [stream] }).sender;
    this.trickle(pc, "publisher");
    await pc.setLocalDescription(await pc.createOffer());
    const reply = await this.ask({ type: "call.sfu.publish", call: this.call, sdp: pc.localDescription.sdp });
    if (reply?.type !== "call.sfu.answer" || this.publisher !== pc) return;
    await pc.setRemoteDescription({ type: "answer", sdp: reply.sdp });
  }

  /** A frame with a reply; `unavailable` is tried again after the server's retry_after
   * (a few times), other errors end the step (null). */
  async ask(frame) {
    const generation = this.generation;
    for (let attempt = 0; attempt < 4; attempt++) {
      const reply = await this.request(frame);
      if (this.closed || generation !== this.generation) return null;
      if (reply.type !== "error") return reply;
      if (reply.code !== "unavailable") {
        if (reply.code !== "not_found") this.onProblem(reply.message);
        return null;
      }
      await new Promise((resolve) => setTimeout(resolve, (reply.retry_after || 5) * 1000));
    }
    this.onProblem("The media server is unavailable.");
    return null;
  }

  trickle(pc, target) {
    pc.addEventListener("icecandidate", ({ candidate }) => {
      if (this.closed) return;
      // The three fields docs/protocol.md allows; null: the end of candidates.
      const init = candidate && candidate.candidate ? { candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex } : null;
      this.send({ type: "call.sfu.candidate", call: this.call, target, candidate: init });
    });
    const generation = this.generation;
    pc.addEventListener("connectionstatechange", () => {
      this.onState(target, pc.connectionState);
      // Once per set of connections: restart() makes new ones.
      if (pc.connectionState === "failed" && !this.closed && generation === this.generation && !this.failing) {
        this.failing = true;
        this.onFailed();
      }
    });
  }

  /** call.sfu.feeds: who publishes now. Subscribe to those not received yet. */
  setFeeds(feeds) {
    this.feeds = new Set(feeds.filter((user) => user !== this.me));
    // Gone from the SFU: a later feed of theirs (after their reconnect) is a new one.
    for (const user of [...this.subscribed]) if (!this.feeds.has(user)) this.subscribed.delete(user);
    this.enqueue(() => this.subscribe());
  }

  async subscribe() {
    const wanted = [...this.feeds].filter((user) => !this.subscribed.has(user));
    if (!wanted.length) return;
    const reply = await this.ask({ type: "call.sfu.subscribe", call: this.call, feeds: wanted });
    if (reply?.type !== "call.sfu.offer") return;
    for (const user of wanted) this.subscribed.add(user);
    await this.answer(reply.sdp, reply.streams || []);
  }

  /** call.sfu.offer with "ref": null: the SFU renegotiates (someone stopped publishing). */
  offered(sdp, streams) {
    this.enqueue(() => this.answer(sdp, streams || []));
  }

  /** Answer an offer of the SFU's for the receiving connection (made on the first one). */
  async answer(sdp, streams) {
    if (!this.subscriber) {
      const pc = new RTCPeerConnection({ iceServers: this.iceServers });
      this.subscriber = pc;
      this.trickle(pc, "subscriber");
      pc.addEventListener("track", () => this.enqueue(() => this.mapTracks()));
    }
    const pc = this.subscriber;
    // The offer's streams describe the whole subscription as of now.
    this.owners = new Map(streams.filter((s) => s.mid != null && s.user != null).map((s) => [String(s.mid), s.user]));
    await pc.setRemoteDescription({ type: "offer", sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await this.ask({ type: "call.sfu.start", call: this.call, sdp: pc.localDescription.sdp });
    this.mapTracks();
  }

  /** Each participant's stream holds the tracks of the m-lines that are theirs now. */
  mapTracks() {
    const pc = this.subscriber;
    if (!pc) return;
    const tracks = new Map(); // user → tracks
    for (const transceiver of pc.getTransceivers()) {
      const owner = this.owners.get(String(transceiver.mid));
      const live = transceiver.currentDirection && !["inactive", "stopped"].includes(transceiver.currentDirection);
      if (owner == null || owner === this.me || !live) continue;
      if (!tracks.has(owner)) tracks.set(owner, []);
      tracks.get(owner).push(transceiver.receiver.track);
    }
    for (const [user, stream] of this.peers) {
      const keep = tracks.get(user) || [];
      for (const track of stream.getTracks()) if (!keep.includes(track)) stream.removeTrack(track);
    }
    for (const [user, list] of tracks) {
      let stream = this.peers.get(user);
      if (!stream) {
        stream = new MediaStream();
        this.peers.set(user, stream);
      }
      let changed = false;
      for (const track of list) {
        if (stream.getTracks().includes(track)) continue;
        stream.addTrack(track);
        changed = true;
        if (track.kind === "video") {
          // Video that stops (camera off: the sender has no track) mutes the receiver.
          const tell = () => this.peers.get(user) === stream && stream.getTracks().includes(track) && this.onPeerState(user, { camera: !track.muted });
          track.addEventListener("mute", tell);
          track.addEventListener("unmute", tell);
          tell();
        }
      }
      if (changed) this.onStream(user, stream);
    }
  }

  /** A participant left the call (index.js, call.updated). */
  removePeer(user) {
    this.peers.delete(user);
    this.subscribed.delete(user);
  }

  /** Mesh-only (index.js calls it for every participant): the SFU needs no per-peer set-up. */
  addPeer() {
    return null;
  }

  setIceServers(iceServers) {
    this.iceServers = iceServers;
    for (const pc of this.connections()) pc.setConfiguration({ ...pc.getConfiguration(), iceServers });
  }

  /** After a reconnect: the server gave the new socket a fresh place in the room, so
   * publish and subscribe again on new connections (call.sfu.feeds follows the rejoin). */
  restart() {
    this.generation += 1;
    this.failing = false;
    this.publisher?.close();
    this.subscriber?.close();
    this.publisher = this.subscriber = null;
    this.senders = { audio: null, video: null };
    this.owners.clear();
    this.subscribed.clear();
    this.feeds.clear();
    this.queue = Promise.resolve();
    if (this.state) this.shareState(this.state); // the others' pages heard nothing since
    return this.start();
  }

  restartIce() {
    this.restart();
  }

  /** Tell the others what your media does ({muted, camera, sharing}): no peer-to-peer
   * channel through the SFU, so through Parley (call.media). */
  shareState(state) {
    this.state = state;
    if (!this.closed) this.send({ type: "call.media", call: this.call, ...state });
  }

  /** Video frames decoded per participant ({user: frames}; for tests and debugging). */
  async framesDecoded() {
    const frames = {};
    for (const transceiver of this.subscriber?.getTransceivers() || []) {
      const owner = this.owners.get(String(transceiver.mid));
      if (owner == null || transceiver.receiver.track.kind !== "video") continue;
      for (const report of (await transceiver.receiver.getStats()).values()) {
        if (report.type === "inbound-rtp" && report.framesDecoded > 0) frames[owner] = (frames[owner] || 0) + report.framesDecoded;
      }
    }
    return frames;
  }

  /** Users whose video this page decodes. */
  async decoding() {
    return Object.keys(await this.framesDecoded()).map(Number).sort((a, b) => a - b);
  }

  connections() {
    return [this.publisher, this.subscriber].filter(Boolean);
  }

  close() {
    this.closed = true;
    this.local.removeEventListener("track", this.onTrack);
    this.publisher?.close();
    this.subscriber?.close();
    this.publisher = this.subscriber = null;
  }
}
