// Who is around: presence dots (online, away, offline) and "… is typing" lines.
//
// Presence comes from `hello` (a map of the people you share conversations with) and
// `presence` events; typing from `typing` events, each of which ends by itself after
// `expires_in` seconds unless renewed (the server also sends "stop").
// Your own state: "active" while you use the page, "idle" after 5 minutes without input
// or while the tab is hidden.

import { h } from "./dom.js";

const IDLE_AFTER_MS = 5 * 60 * 1000;
const LABELS = { online: "online", away: "away", offline: "offline" };

export class Presence {
  /** @param {object} app the chat page: els, socket, view, current(), conversation(id) */
  constructor(app) {
    this.app = app;
    /** @type {Map<number, string>} user id → online | away (offline: absent) */
    this.status = new Map();
    /** @type {Map<number, Map<number, {user: object, timer: number}>>} conversation → typers */
    this.typing = new Map();
    this.mine = "active";
    this.idleTimer = 0;
    this.lastInput = 0;

    for (const type of ["keydown", "pointerdown", "pointermove", "wheel", "touchstart"]) {
      addEventListener(type, () => this.activity(), { passive: true });
    }
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") this.setMine("idle");
      else this.activity(true);
    });
  }

  // --- presence ---------------------------------------------------------------------------

  hello(map) {
    this.status = new Map(Object.entries(map || {}).map(([id, status]) => [Number(id), status]));
    this.refreshDots();
  }

  event(frame) {
    if (frame.status === "offline") this.status.delete(frame.user);
    else this.status.set(frame.user, frame.status);
    this.refreshDots(frame.user);
    if (frame.user === this.app.view.me.id) this.showMine();
  }

  of(userId) {
    if (userId === this.app.view.me.id) return this.mine === "active" ? "online" : "away";
    return this.status.get(userId) || "offline";
  }

  /** A dot for `userId`; refreshDots() keeps every dot of that person current. */
  dot(userId, extraClass = "") {
    const status = this.of(userId);
    return h("span", { class: `ch-dot ${extraClass}`.trim(), "data-presence": userId, "data-status": status, role: "img", "aria-label": LABELS[status] });
  }

  refreshDots(userId = null) {
    const selector = userId == null ? "[data-presence]" : `[data-presence="${userId}"]`;
    for (const dot of document.querySelectorAll(selector)) {
      const status = this.of(Number(dot.dataset.presence));
      if (dot.dataset.status === status) continue;
      dot.dataset.status = status;
      if (dot.classList.contains("ch-dot")) dot.setAttribute("aria-label", LABELS[status]);
      else dot.textContent = LABELS[status];
    }
  }

  // --- your own state ------------------------------------------------------------------------

  activity(force = false) {
    const now = Date.now();
    if (!force && now - this.lastInput < 1000) return; // at most once a second
    this.lastInput = now;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.setMine("idle"), IDLE_AFTER_MS);
    if (document.visibilityState === "visible") this.setMine("active");
  }

  setMine(state) {
    if (this.mine === state) return;
    this.mine = state;
    this.sendMine();
    this.showMine();
  }

  sendMine(always = false) {
    if (always || this.app.socket.connected) this.app.socket.send({ type: "presence", state: this.mine });
  }

  showMine() {
    const me = this.app.view.me.id;
    this.refreshDots(me);
    const label = this.app.els.myStatus;
    if (label) label.textContent = this.mine === "active" ? "Active" : "Away";
  }

  // --- typing --------------------------------------------------------------------------------

  typingEvent(frame) {
    const id = frame.conversation;
    const user = frame.user;
    if (!user || user.id === this.app.view.me.id) return;
    if (!this.typing.has(id)) this.typing.set(id, new Map());
    const typers = this.typing.get(id);
    clearTimeout(typers.get(user.id)?.timer);
    if (frame.state === "start") {
      const timer = setTimeout(() => this.stopped(id, user.id), (frame.expires_in || 6) * 1000);
      typers.set(user.id, { user, timer });
    } else {
      typers.delete(user.id);
    }
    if (id === this.app.current()) this.showTyping();
    this.app.typingChanged(id);
  }

  stopped(id, userId) {
    this.typing.get(id)?.delete(userId);
    if (id === this.app.current()) this.showTyping();
    this.app.typingChanged(id);
  }

  /** Someone who sent a message has stopped typing it. */
  sent(id, userId) {
    const typer = this.typing.get(id)?.get(userId);
    if (!typer) return;
    clearTimeout(typer.timer);
    this.stopped(id, userId);
  }

  typers(id) {
    return [...(this.typing.get(id)?.values() || [])].map((t) => t.user);
  }

  /** The line above the composer: "Bob Marley is typing…". */
  showTyping() {
    const people = this.typers(this.app.current());
    const line = this.app.els.typing;
    let text = "";
    if (people.length === 1) text = `${people[0].name} is typing…`;
    else if (people.length === 2) text = `${people[0].name} and ${people[1].name} are typing…`;
    else if (people.length > 2) text = "Several people are typing…";
    if (line.textContent !== text) line.textContent = text;
  }
}
