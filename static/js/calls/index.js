// Calls on the chat page (docs/protocol.md, "Calls"): the call buttons in a
// conversation's header, "call in progress — join", the incoming-call prompt, the call
// view and the in-call bar. chat.js makes one Calls and tells it which conversation is
// open; everything else comes over the page's socket (call.* frames) and from
// GET /api/v1/calls (the calls going on, after every (re)connection).
//
// Media: a mesh (mesh.js), one peer connection per other participant. The one who joins
// offers to everyone already in the call; later offers (a camera turned on in a voice
// call, a screen shared) may come from either side and are settled by perfect
// negotiation. After a reconnect the page sends call.join again and restarts ICE.
// An `sfu` call (sfu.js) sends through the server's SFU instead: one publishing and one
// receiving connection, the call.sfu.* frames; after a reconnect both are made anew.

import { h } from "../dom.js";
import { Tone } from "./audio.js";
import { icon } from "./icons.js";
import { LocalMedia } from "./media.js";
import { MeshSession } from "./mesh.js";
import { IncomingPrompt } from "./prompt.js";
import { SfuSession } from "./sfu.js";
import { CallView, listOf } from "./view.js";

export class Calls {
  /**
   * @param {object} app chat.js's shared object: socket, view ({me, palette}),
   *   conversations(), current(), request(frame), els
   */
  constructor(app) {
    this.app = app;
    this.socket = app.socket;
    /** @type {Map<number, object>} calls going on, by conversation id */
    this.live = new Map();
    this.active = null; // {call, local, mesh, view}
    this.joining = false;
    this.outgoing = new Tone("outgoing");
    this.prompt = new IncomingPrompt({
      palette: app.view.palette,
      where: (call) => this.titleOf(call.conversation),
      accept: (call) => this.join(call, { open: true }),
      decline: (call) => this.decline(call),
    });
    this.build();
    this.socket.addEventListener("frame", ({ detail }) => this.frame(detail));
    this.socket.addEventListener("status", ({ detail }) => this.connection(detail.connected));
    // Before the socket's own pagehide listener closes it (capture listeners run first).
    addEventListener("pagehide", () => this.hangUpOnUnload(), { capture: true });
    // Going to another page ends the call: the browser asks first.
    addEventListener("beforeunload", (event) => {
      if (this.active) event.preventDefault();
    });
    // The video rooms page links here with ?call=<id>: join it once connected.
    const params = new URLSearchParams(location.search);
    this.autoJoin = Number(params.get("call")) || null;
    if (this.autoJoin) {
      params.delete("call");
      const query = params.toString();
      history.replaceState(history.state, "", location.pathname + (query ? `?${query}` : ""));
    }
    // For tests and debugging: the peer connections of the call you are in.
    // In an SFU call, `decoding()`: the users whose video this page decodes;
    // `framesDecoded()`: {user: video frames decoded}.
    window.parleyCall = {
      connections: () => this.active?.mesh?.connections() || [],
      mode: () => this.active?.call.mode || null,
      decoding: async () => (this.active?.mesh?.decoding ? this.active.mesh.decoding() : []),
      framesDecoded: async () => (this.active?.mesh?.framesDecoded ? this.active.mesh.framesDecoded() : {}),
      calls: this,
    };
  }

  get me() {
    return this.app.view.me;
  }

  // --- the page's parts --------------------------------------------------------------

  build() {
    const voice = h("button", { type: "button", class: "call-start", "data-kind": "voice", title: "Voice call" }, icon("phone"), h("span", { class: "visually-hidden" }, "Voice call"));
    const video = h("button", { type: "button", class: "call-start", "data-kind": "video", title: "Video call" }, icon("camera"), h("span", { class: "visually-hidden" }, "Video call"));
    for (const button of [voice, video]) button.addEventListener("click", () => this.start(button.dataset.kind));
    this.startButtons = h("div", { class: "call-actions", role: "group", "aria-label": "Call", hidden: true }, voice, video);
    this.app.els.links.after(this.startButtons);

    this.joinButton = h("button", { type: "button", class: "call-join" }, icon("phone"), "Join");
    this.joinButton.addEventListener("click", () => {
      const call = this.live.get(this.app.current());
      if (call) this.join(call);
    });
    this.bannerText = h("span", { class: "call-banner-text" });
    this.banner = h("div", { class: "call-banner", role: "region", "aria-label": "Call in progress", hidden: true }, this.bannerText, this.joinButton);
    this.notice = h("p", { class: "call-notice", role: "status" });
    this.dock = h("div", { class: "call-dock", id: "call-dock" }, this.banner, this.notice);
    this.app.els.links.closest("header").after(this.dock);
  }

  titleOf(conversation) {
    return this.app.conversations().find((c) => c.id === conversation)?.title || "";
  }

  /** chat.js: the pane now shows conversation `c` (or nothing). */
  shown(c) {
    if (c?.id !== this.shownId && !this.joining) this.notice.textContent = ""; // about the last one
    this.shownId = c?.id;
    this.startButtons.hidden = !c;
    this.showBanner();
    this.place();
  }

  /** The call view where the call's conversation is open, the bar elsewhere. */
  place() {
    if (!this.active) return;
    const here = this.active.call.conversation === this.app.current();
    this.active.view.show(here ? "full" : "bar");
  }

  showBanner() {
    const call = this.live.get(this.app.current());
    const inIt = call && this.active?.call.id === call.id;
    const show = Boolean(call && call.status !== "ended" && !inIt && call.participants.length);
    this.banner.hidden = !show;
    // A call here already: Join (or the call view) is the way in.
    for (const button of this.startButtons.querySelectorAll("button")) button.disabled = Boolean(call || this.joining);
    if (!show) return;
    const names = call.participants.map((p) => (p.user.id === this.me.id ? "you" : p.user.name));
    this.bannerText.replaceChildren(
      h("strong", {}, `${call.kind === "video" ? "Video" : "Voice"} call in progress`),
      ` — ${listOf(names)}`,
    );
  }

  say(text) {
    this.notice.textContent = "";
    requestAnimationFrame(() => {
      this.notice.textContent = text;
    });
  }

  // --- what you do -------------------------------------------------------------------

  /** Start a call in the open conversation. */
  async start(kind) {
    const conversation = this.app.current();
    if (!conversation || this.joining) return;
    if (this.active) {
      this.say("You are in a call already: leave it first.");
      return;
    }
    const session = await this.enter(kind, { type: "call.start", conversation, kind });
    if (session?.type === "error" && session.code === "conflict" && session.call && this.live.has(conversation)) {
      this.say(`${session.message} Use Join to take part.`);
    }
  }

  /** Accept a ringing call (`open`: and show its conversation), or join one in progress. */
  async join(call, { open = false } = {}) {
    if (this.active?.call.id === call.id || this.joining) return;
    if (this.active) {
      this.say("You are in another call: leave it first.");
      return;
    }
    const reply = await this.enter(call.kind, { type: "call.join", call: call.id });
    if (open && reply?.type === "call.session" && call.conversation !== this.app.current()) this.openCallConversation();
  }

  /** Ask for media, then send `frame` (call.start or call.join); set up the call. */
  async enter(kind, frame) {
    this.joining = true;
    this.showBanner();
    this.say(kind === "video" ? "Starting your camera and microphone…" : "Starting your microphone…");
    const local = new LocalMedia({ video: kind === "video" });
    try {
      await local.start();
    } catch (error) {
      this.joining = false;
      this.showBanner();
      this.say(error.message);
      return null;
    }
    const reply = await this.app.request(frame);
    this.joining = false;
    if (reply.type !== "call.session") {
      local.stop();
      this.showBanner();
      this.say(reply.message || "The call could not start.");
      return reply;
    }
    this.say("");
    this.begin(reply, local);
    return reply;
  }

  /** You are in the call (call.session): the view, the mesh (or the SFU's two
   * connections: `active.mesh` is then an SfuSession), the offers. */
  begin(session, local) {
    const call = session.call;
    const view = new CallView({
      me: this.me,
      palette: this.app.view.palette,
      local,
      title: this.titleOf(call.conversation) || "Call",
      on: {
        mute: () => local.setMuted(!local.muted),
        camera: () => local.setCamera(!local.cameraOn).catch((error) => view.notice(error.message)),
        share: () => (local.sharing ? local.stopSharing() : local.startSharing().catch((error) => view.notice(error.message))),
        leave: () => this.leave(),
        device: (kind, id) => local.useDevice(kind, id).catch((error) => view.notice(error.message)),
        open: () => this.openCallConversation(),
      },
    });
    const onState = (user, state) => {
      view.tiles.get(user)?.tile.classList.toggle("is-reconnecting", ["disconnected", "failed"].includes(state));
    };
    // Each participant's tile flags: what their media shows (the SFU's received video),
    // overridden by what they say (call.media).
    const peerStates = new Map();
    const showPeer = (user, part, state) => {
      const known = { ...peerStates.get(user), [part]: state };
      peerStates.set(user, known);
      view.setPeerState(user, { ...known.seen, ...known.told });
    };
    const sfu = call.mode === "sfu";
    const mesh = sfu ? new SfuSession({
      me: this.me.id,
      call: call.id,
      local,
      iceServers: session.ice_servers || [],
      request: (frame) => this.app.request(frame),
      send: (frame) => this.socket.send(frame),
      onStream: (user, stream) => view.setStream(user, stream),
      onPeerState: (user, state) => showPeer(user, "seen", state),
      onProblem: (text) => view.notice(text),
      // A connection with the SFU failed (ICE): take a fresh place in its room and
      // publish and subscribe again, as after a reconnect, without waiting for one.
      onFailed: () => this.socket.connected && this.rejoin(),
    }) : new MeshSession({
      me: this.me.id,
      local,
      iceServers: session.ice_servers || [],
      signal: (to, data) => this.signal(to, data),
      onStream: (user, stream) => view.setStream(user, stream),
      onPeerState: (user, state) => view.setPeerState(user, state),
      onState,
    });
    this.active = { call, local, mesh, view, told: (user, state) => showPeer(user, "told", state) };
    local.addEventListener("change", () => {
      view.showLocal();
      mesh.shareState(view.localState());
    });
    mesh.shareState(view.localState());
    this.dock.append(view.element, view.bar);
    this.heartbeat(session.heartbeat);
    this.update(call);
    if (sfu) mesh.start();
    else this.offerToAll(call);
    this.place();
    this.showBanner();
    if (call.conversation === this.app.current()) view.focus();
  }

  /** The joiner offers to everyone already in the call (docs/protocol.md, "Who offers"). */
  offerToAll(call) {
    for (const p of call.participants) if (p.user.id !== this.me.id) this.active.mesh.addPeer(p.user.id);
  }

  signal(to, { description, candidate, restart }) {
    if (!this.active) return;
    const call = this.active.call.id;
    if (description) {
      const frame = { type: `call.${description.type}`, call, to, sdp: description.sdp };
      if (description.type === "offer" && restart) frame.restart = true;
      this.socket.send(frame);
    } else if (candidate) {
      this.socket.send({ type: "call.candidate", call, to, candidate });
    }
  }

  async leave() {
    const active = this.active;
    if (!active) return;
    this.end("You left the call.");
    await this.app.request({ type: "call.leave", call: active.call.id });
  }

  async decline(call) {
    const reply = await this.app.request({ type: "call.decline", call: call.id });
    if (reply.type === "error") this.say(reply.message);
  }

  /** Take the call down on this page (after leaving, or when it ended). */
  end(text) {
    const active = this.active;
    if (!active) return;
    this.active = null;
    const hadFocus = active.view.element.contains(document.activeElement) || active.view.bar.contains(document.activeElement);
    active.mesh.close();
    active.local.stop();
    active.view.destroy();
    this.outgoing.stop();
    this.heartbeat(null);
    this.say(text);
    this.showBanner();
    if (hadFocus) this.app.els.title.focus();
  }

  openCallConversation() {
    const id = this.active?.call.conversation;
    if (!id) return;
    // The conversation list's own link: chat.js opens it in place.
    const link = document.querySelector(`[data-conversation="${id}"] a.ch-conv`);
    if (link) link.click();
    else location.assign(`/chat/${id}/`);
  }

  /** While in a call the socket pings at the call's pace (the server's liveness check). */
  heartbeat(seconds) {
    const socket = this.socket;
    if (seconds) {
      if (this.savedBeat == null) this.savedBeat = socket.heartbeatMs;
      socket.heartbeatMs = seconds * 1000;
      socket.heartbeat();
    } else if (this.savedBeat != null) {
      socket.heartbeatMs = this.savedBeat;
      this.savedBeat = null;
      if (socket.connected) socket.heartbeat();
    }
  }

  hangUpOnUnload() {
    if (this.active) this.socket.send({ type: "call.leave", call: this.active.call.id });
  }

  // --- what the server says ------------------------------------------------------------

  frame(frame) {
    switch (frame.type) {
      case "call.updated":
        this.update(frame.call);
        break;
      case "call.ring":
        this.update(frame.call);
        if (this.active?.call.id !== frame.call.id) this.prompt.ring(frame.call);
        break;
      case "call.ring_stopped":
        this.prompt.stop(frame.call);
        break;
      case "call.removed":
        // You lost access to the call's conversation: the server took you out of it.
        this.prompt.stop(frame.call);
        for (const [conversation, call] of [...this.live]) if (call.id === frame.call) this.live.delete(conversation);
        if (this.active?.call.id === frame.call) this.end(removedText(frame.reason));
        this.showBanner();
        break;
      case "call.media":
        if (this.active?.call.id === frame.call) {
          const { muted, camera, sharing } = frame;
          this.active.told(frame.user, { muted, camera, sharing });
        }
        break;
      case "call.declined":
        if (this.active?.call.id === frame.call) this.sayInCall(`${frame.user.name} declined the call.`);
        break;
      case "call.busy":
        if (this.active?.call.id === frame.call) this.sayInCall(`${frame.user.name} is in another call.`);
        break;
      case "call.offer":
      case "call.answer":
        if (this.active?.call.id === frame.call) {
          this.active.mesh.receive(frame.from, { description: { type: frame.type.slice(5), sdp: frame.sdp } });
        }
        break;
      case "call.candidate":
        if (this.active?.call.id === frame.call && frame.candidate) {
          this.active.mesh.receive(frame.from, { candidate: frame.candidate });
        }
        break;
      case "call.sfu.feeds":
        if (this.active?.call.id === frame.call && this.active.call.mode === "sfu") this.active.mesh.setFeeds(frame.feeds || []);
        break;
      case "call.sfu.offer":
        // With a ref: the reply to our call.sfu.subscribe (sfu.js has it already).
        if (this.active?.call.id === frame.call && this.active.call.mode === "sfu" && frame.ref == null) {
          this.active.mesh.offered(frame.sdp, frame.streams);
        }
        break;
      case "error":
        if (frame.call && !frame.ref) console.warn("parley call:", frame.code, frame.message);
        break;
    }
  }

  /** A line in the call view (the page's own notice line takes it if the call ends). */
  sayInCall(text) {
    if (!this.active) return;
    this.active.said = text; // kept as the last word if this ends the call
    this.active.view.notice(text);
  }

  /** A call's new state (call.updated, call.ring, call.session). */
  update(call) {
    if (call.status === "ended") {
      this.live.delete(call.conversation);
      this.prompt.stop(call.id);
      if (this.active?.call.id === call.id) {
        const said = ["declined", "busy"].includes(call.end_reason) && this.active.said;
        this.end(said || endedText(call));
      }
    } else {
      this.live.set(call.conversation, call);
      if (!(call.ringing || []).includes(this.me.id)) this.prompt.stop(call.id);
    }
    const active = this.active;
    if (active?.call.id === call.id && call.status !== "ended") {
      const before = new Set(active.call.participants.map((p) => p.user.id));
      const joined = call.participants.some((p) => !before.has(p.user.id));
      active.call = call;
      // Someone new in an SFU call hears your media state (a mesh peer's channel tells).
      if (joined && call.mode === "sfu") active.mesh.shareState(active.view.localState());
      const present = new Set(call.participants.map((p) => p.user.id));
      for (const user of [...active.mesh.peers.keys()]) if (!present.has(user)) active.mesh.removePeer(user);
      active.view.setCall(call);
      const ringsOut = call.status === "ringing" && (call.ringing || []).length > 0;
      if (ringsOut) this.outgoing.start();
      else this.outgoing.stop();
    }
    this.showBanner();
  }

  /** The socket came back (or went): refresh what is going on, and rejoin your call. */
  async connection(connected) {
    if (!connected) return;
    await this.refresh();
    if (this.active) await this.rejoin();
    else if (this.autoJoin) {
      const call = [...this.live.values()].find((c) => c.id === this.autoJoin);
      this.autoJoin = null;
      if (call) await this.join(call);
      else this.say("That call has ended.");
    }
  }

  async refresh() {
    try {
      const response = await fetch("/api/v1/calls", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const { calls } = await response.json();
      const activeId = this.active?.call.id;
      const seen = new Set(calls.map((c) => c.id));
      for (const [conversation, call] of [...this.live]) {
        if (!seen.has(call.id) && call.id !== activeId) this.live.delete(conversation);
      }
      for (const call of calls) {
        if (call.id === activeId) continue; // the rejoin brings it
        this.live.set(call.conversation, call);
        const ringsForMe = call.status !== "ended" && (call.ringing || []).includes(this.me.id);
        if (ringsForMe) this.prompt.ring(call);
      }
      this.showBanner();
    } catch {
      // offline again: the next connection tries again
    }
  }

  /** After a reconnect: take your place in the call again and restart ICE. */
  async rejoin() {
    const active = this.active;
    const reply = await this.app.request({ type: "call.join", call: active.call.id });
    if (this.active !== active) return;
    if (reply.type !== "call.session") {
      this.end(reply.code === "not_found" ? "The call ended while you were offline." : reply.message);
      return;
    }
    active.mesh.setIceServers(reply.ice_servers || []);
    this.heartbeat(reply.heartbeat);
    this.update(reply.call);
    if (active.call.mode === "sfu") {
      // The new socket has a fresh place in the SFU's room: publish and subscribe anew.
      active.mesh.restart();
    } else if (reply.rejoined) {
      active.mesh.restartIce();
      this.offerToAll(reply.call);
    } else {
      // Dropped after the grace period and joined afresh: new connections all round.
      for (const user of [...active.mesh.peers.keys()]) active.mesh.removePeer(user);
      this.offerToAll(reply.call);
    }
  }
}

function removedText(reason) {
  switch (reason) {
    case "blocked":
      return "The call ended.";
    case "deactivated":
      return "Your account was deactivated: you left the call.";
    default:
      return "You are no longer in this conversation, so you left the call.";
  }
}

function endedText(call) {
  switch (call.end_reason) {
    case "declined":
      return "The call was declined.";
    case "busy":
      return "They are in another call.";
    case "timeout":
      return "Nobody answered.";
    case "cancelled":
      return "The call was cancelled.";
    case "dropped":
      return "The call was dropped.";
    default:
      return "The call ended.";
  }
}
