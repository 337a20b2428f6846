// What a call looks like: the call view (controls above, video tiles, participant list,
// device choice) and the small in-call bar shown instead while you read another
// conversation. Built from the call object of docs/protocol.md ("Calls"); names and
// everything else from people go in as text (h()).

import { avatar, h } from "../dom.js";
import { SpeakingDetector } from "./audio.js";
import { icon } from "./icons.js";

const NO_STATE = { muted: false, camera: true, sharing: false };

export class CallView {
  /**
   * @param {object} options
   * @param {{id: number, name: string}} options.me
   * @param {string[]} options.palette avatar colours
   * @param {import("./media.js").LocalMedia} options.local
   * @param {string} options.title the conversation's title
   * @param {object} options.on handlers: mute(), camera(), share(), leave(), device(kind, id), open()
   */
  constructor({ me, palette, local, title, on }) {
    this.me = me;
    this.palette = palette;
    this.local = local;
    this.title = title;
    this.on = on;
    this.call = null;
    /** @type {Map<number, {tile: HTMLElement, video: HTMLVideoElement, state: object, detector: SpeakingDetector|null, detectorTrack: MediaStreamTrack|null, user: object}>} */
    this.tiles = new Map();
    this.speaking = new Set();
    this.clockTimer = setInterval(() => this.showClock(), 1000);
    this.build();
  }

  build() {
    const button = (name, label, { icon: picture = name, ...attrs } = {}) =>
      h("button", { type: "button", class: `call-button call-do-${name}`, ...attrs }, icon(picture), h("span", { class: "call-button-label" }, label));
    this.buttons = {
      mute: button("mute", "Mute", { "aria-pressed": "false", icon: "mic" }),
      camera: button("camera", "Camera", { "aria-pressed": "false" }),
      share: button("share", "Share screen", { "aria-pressed": "false", icon: "screen" }),
      devices: button("devices", "Devices", { "aria-expanded": "false", "aria-controls": "call-devices", icon: "settings" }),
      people: button("people", "People", { "aria-expanded": "true", "aria-controls": "call-people", icon: "people" }),
      leave: button("leave", "Leave", { icon: "hangup" }),
    };
    this.buttons.mute.addEventListener("click", () => this.on.mute());
    this.buttons.camera.addEventListener("click", () => this.on.camera());
    this.buttons.share.addEventListener("click", () => this.on.share());
    this.buttons.leave.addEventListener("click", () => this.on.leave());
    this.buttons.devices.addEventListener("click", () => this.toggleDevices());
    this.buttons.people.addEventListener("click", () => this.togglePeople());
    if (!navigator.mediaDevices?.getDisplayMedia) this.buttons.share.hidden = true;

    this.heading = h("h2", { class: "call-title", id: "call-title", tabindex: "-1" }, `Call · ${this.title}`);
    this.clock = h("span", { class: "call-clock" });
    this.status = h("p", { class: "call-status", role: "status" });
    this.tileList = h("ul", { class: "call-tiles", "aria-label": "Video" });
    this.peopleList = h("ul", { class: "call-people-list" });
    this.peopleHeading = h("h3", { id: "call-people-h" }, "In the call");
    this.people = h("aside", { class: "call-people", id: "call-people", "aria-labelledby": "call-people-h" }, this.peopleHeading, this.peopleList);
    this.micSelect = h("select", { id: "call-mic" });
    this.cameraSelect = h("select", { id: "call-cam" });
    this.micSelect.addEventListener("change", () => this.on.device("audioinput", this.micSelect.value));
    this.cameraSelect.addEventListener("change", () => this.on.device("videoinput", this.cameraSelect.value));
    this.devices = h(
      "div",
      { class: "call-devices", id: "call-devices", hidden: true },
      h("label", { for: "call-mic" }, "Microphone"),
      this.micSelect,
      h("label", { for: "call-cam" }, "Camera"),
      this.cameraSelect,
    );
    this.element = h(
      "section",
      { class: "call-view", "aria-labelledby": "call-title" },
      h("div", { class: "call-head" }, this.heading, this.clock),
      h("div", { class: "call-controls", role: "toolbar", "aria-label": "Call controls" }, Object.values(this.buttons)),
      this.status,
      this.devices,
      h("div", { class: "call-body" }, this.tileList, this.people),
    );
    this.element.addEventListener("keydown", (event) => this.toolbarKeys(event));

    // The bar: while you read another conversation.
    this.barMute = h("button", { type: "button", class: "call-button call-do-mute", "aria-pressed": "false" }, icon("mic"), h("span", { class: "call-button-label" }, "Mute"));
    this.barMute.addEventListener("click", () => this.on.mute());
    const back = h("button", { type: "button", class: "call-button call-do-return" }, icon("phone"), h("span", { class: "call-button-label" }, "Return to call"));
    back.addEventListener("click", () => this.on.open());
    const leave = h("button", { type: "button", class: "call-button call-do-leave" }, icon("hangup"), h("span", { class: "call-button-label" }, "Leave"));
    leave.addEventListener("click", () => this.on.leave());
    this.barText = h("span", { class: "call-bar-text" });
    this.barClock = h("span", { class: "call-clock" });
    this.bar = h(
      "div",
      { class: "call-bar", role: "region", "aria-label": "Your call", hidden: true },
      h("span", { class: "call-bar-dot", "aria-hidden": "true" }),
      this.barText,
      this.barClock,
      h("span", { class: "call-bar-buttons" }, back, this.barMute, leave),
    );

    this.addTile(this.me, true);
    this.showLocal();
  }

  /** Arrow keys move between the toolbar's buttons (one tab stop per control is kept too). */
  toolbarKeys(event) {
    if (!["ArrowLeft", "ArrowRight"].includes(event.key)) return;
    const toolbar = event.target.closest('[role="toolbar"]');
    if (!toolbar) return;
    const buttons = [...toolbar.querySelectorAll("button:not([hidden])")];
    const at = buttons.indexOf(event.target);
    if (at < 0) return;
    const next = buttons[(at + (event.key === "ArrowRight" ? 1 : buttons.length - 1)) % buttons.length];
    next.focus();
    event.preventDefault();
  }

  /** Full view (the call's conversation is open) or the bar (another one is). */
  show(mode) {
    this.element.hidden = mode !== "full";
    this.bar.hidden = mode !== "bar";
  }

  // --- the call and its people -----------------------------------------------------------

  setCall(call) {
    this.call = call;
    this.heading.textContent = `${call.kind === "video" ? "Video" : "Voice"} call · ${this.title}`;
    const present = new Set(call.participants.map((p) => p.user.id));
    for (const p of call.participants) if (!this.tiles.has(p.user.id)) this.addTile(p.user, p.user.id === this.me.id);
    for (const id of [...this.tiles.keys()]) if (!present.has(id) && id !== this.me.id) this.removeTile(id);
    this.showPeople();
    this.showClock();
    const others = call.participants.filter((p) => p.user.id !== this.me.id).map((p) => p.user.name);
    this.barText.textContent = others.length ? `In a call with ${listOf(others)}` : `In a call in ${this.title}`;
    this.tileList.dataset.count = String(this.tiles.size);
  }

  addTile(user, mine = false) {
    const video = h("video", { autoplay: true, playsinline: true, muted: mine });
    video.muted = mine; // the attribute alone does not mute a video created by script
    const name = h("span", { class: "call-tile-name" }, mine ? `${user.name} (you)` : user.name);
    const flags = h("span", { class: "call-tile-flags" });
    const picture = h("div", { class: "call-tile-avatar" }, avatar(user, this.palette));
    const tile = h(
      "li",
      { class: mine ? "call-tile is-me" : "call-tile", "data-user": user.id, "aria-label": mine ? `${user.name} (you)` : user.name },
      video,
      picture,
      h("div", { class: "call-tile-caption" }, name, flags),
    );
    this.tiles.set(user.id, { tile, video, flags, user, state: { ...NO_STATE, camera: false }, detector: null, detectorTrack: null, stream: null });
    if (mine) this.tileList.prepend(tile);
    else this.tileList.append(tile);
    this.tileList.dataset.count = String(this.tiles.size);
  }

  removeTile(id) {
    const entry = this.tiles.get(id);
    if (!entry) return;
    entry.detector?.stop();
    entry.video.srcObject = null;
    entry.tile.remove();
    this.tiles.delete(id);
    this.speaking.delete(id);
    this.tileList.dataset.count = String(this.tiles.size);
  }

  /** A participant's media arrived (or gained a track). */
  setStream(id, stream) {
    const entry = this.tiles.get(id);
    if (!entry) return;
    if (entry.video.srcObject !== stream) {
      entry.video.srcObject = stream;
      entry.stream = stream;
      stream.addEventListener("addtrack", () => this.listen(id));
    }
    entry.video.play().catch(() => {});
    this.listen(id);
    this.showTile(id);
  }

  /** The speaking indicator of a tile: once its stream has sound, and again when its sound
   * is another track (your own, after choosing another microphone): a WebAudio source
   * keeps the track it was made with. */
  listen(id) {
    const entry = this.tiles.get(id);
    const track = entry?.stream?.getAudioTracks()[0];
    if (!track || entry.detectorTrack === track) return;
    entry.detector?.stop();
    entry.detector = null;
    entry.detectorTrack = track;
    try {
      entry.detector = new SpeakingDetector(entry.stream, (speaking) => {
        if (speaking) this.speaking.add(id);
        else this.speaking.delete(id);
        entry.tile.classList.toggle("is-speaking", speaking);
        this.showPeople();
      });
    } catch (error) {
      console.warn("parley call: no speaking indicator", error);
    }
  }

  /** What a participant said of their media (muted, camera, sharing). */
  setPeerState(id, state) {
    const entry = this.tiles.get(id);
    if (!entry) return;
    entry.state = { ...NO_STATE, ...state };
    this.showTile(id);
    this.showPeople();
  }

  showTile(id) {
    const entry = this.tiles.get(id);
    const { state, tile, flags } = entry;
    const hasVideo = Boolean(entry.stream?.getVideoTracks().some((t) => t.readyState === "live"));
    const videoOn = hasVideo && (state.camera || state.sharing);
    tile.classList.toggle("has-video", videoOn);
    tile.classList.toggle("is-sharing", Boolean(state.sharing));
    const items = [];
    if (state.muted) items.push(h("span", { class: "call-flag call-flag-muted" }, icon("micOff"), "Muted"));
    if (!state.camera && !state.sharing) items.push(h("span", { class: "call-flag call-flag-camera" }, icon("cameraOff"), h("span", { class: "visually-hidden" }, "Camera off")));
    if (state.sharing) items.push(h("span", { class: "call-flag" }, icon("screen"), "Sharing screen"));
    flags.replaceChildren(...items);
  }

  /** Your own tile and the controls, after any change of your media. */
  showLocal() {
    const local = this.local;
    const mine = this.tiles.get(this.me.id);
    if (mine) {
      if (mine.video.srcObject !== local.stream) {
        mine.video.srcObject = local.stream;
        mine.stream = local.stream;
      }
      mine.video.play().catch(() => {});
      mine.tile.classList.toggle("is-mirrored", !local.sharing);
      this.setPeerState(this.me.id, this.localState());
      this.listen(this.me.id);
    }
    const muted = String(local.muted);
    this.buttons.mute.setAttribute("aria-pressed", muted);
    this.barMute.setAttribute("aria-pressed", muted);
    for (const b of [this.buttons.mute, this.barMute]) b.querySelector("svg").replaceWith(icon(local.muted ? "micOff" : "mic"));
    this.buttons.camera.setAttribute("aria-pressed", String(local.cameraOn));
    this.buttons.camera.querySelector("svg").replaceWith(icon(local.cameraOn ? "camera" : "cameraOff"));
    this.buttons.share.setAttribute("aria-pressed", String(local.sharing));
  }

  localState() {
    return { muted: this.local.muted, camera: this.local.cameraOn, sharing: this.local.sharing };
  }

  showPeople() {
    if (!this.call) return;
    const rows = this.call.participants.map((p) => {
      const id = p.user.id;
      const state = this.tiles.get(id)?.state || NO_STATE;
      const notes = [];
      if (id === this.me.id) notes.push("you");
      if (state.muted) notes.push("muted");
      if (this.speaking.has(id)) notes.push("speaking");
      return h(
        "li",
        { class: this.speaking.has(id) ? "is-speaking" : null, "data-user": id },
        avatar(p.user, this.palette),
        h("span", { class: "call-person-name" }, p.user.name),
        notes.length ? h("span", { class: "call-person-notes" }, notes.join(", ")) : null,
      );
    });
    const ringing = (this.call.ringing || []).length;
    if (ringing) rows.push(h("li", { class: "call-person-ringing" }, `Ringing ${ringing} ${ringing > 1 ? "people" : "person"}…`));
    this.peopleList.replaceChildren(...rows);
    this.peopleHeading.textContent = `In the call (${this.call.participants.length})`;
  }

  showClock() {
    const call = this.call;
    let text = "";
    if (call?.status === "ringing") text = "Ringing…";
    else if (call?.answered_at || call?.started_at) {
      const since = Date.parse(call.answered_at || call.started_at);
      text = duration(Math.max(0, Math.floor((Date.now() - since) / 1000)));
    }
    this.clock.textContent = text;
    this.barClock.textContent = text;
  }

  /** A line about what happened ("Bob declined."), read out by screen readers. */
  notice(text) {
    this.status.textContent = text;
  }

  toggleDevices() {
    const open = this.devices.hidden;
    this.devices.hidden = !open;
    this.buttons.devices.setAttribute("aria-expanded", String(open));
    if (open) this.fillDevices();
  }

  togglePeople() {
    const open = this.people.hidden;
    this.people.hidden = !open;
    this.buttons.people.setAttribute("aria-expanded", String(open));
  }

  async fillDevices() {
    const found = await this.local.devices();
    const fill = (select, list, current, what) => {
      select.replaceChildren(
        ...list.map((d, i) => h("option", { value: d.deviceId, selected: d.deviceId === current }, d.label || `${what} ${i + 1}`)),
      );
      if (!list.length) select.append(h("option", { value: "" }, `No ${what.toLowerCase()} found`));
    };
    const currentMic = this.local.audio?.getSettings().deviceId || this.local.micId;
    const currentCam = this.local.camera?.getSettings().deviceId || this.local.cameraId;
    fill(this.micSelect, found.audioinput, currentMic, "Microphone");
    fill(this.cameraSelect, found.videoinput, currentCam, "Camera");
  }

  focus() {
    this.heading.focus();
  }

  destroy() {
    clearInterval(this.clockTimer);
    for (const id of [...this.tiles.keys()]) this.removeTile(id);
    this.element.remove();
    this.bar.remove();
  }
}

/** 75 → "1:15", 3700 → "1:01:40". */
export function duration(seconds) {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const secs = String(seconds % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`;
}

/** ["A", "B", "C"] → "A, B and C". */
export function listOf(names) {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}
