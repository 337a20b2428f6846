// The one WebSocket of a page, to /ws/ (docs/protocol.md describes every frame).
//
// ParleySocket keeps the connection up and delivery whole. Each conversation is one
// stream of sequenced events (new messages, edits, deletes, reaction changes, moves), and
// the server sends every socket each of them once and in seq order, filling gaps from the
// database; this class keeps its side of that:
// - reconnects with exponential backoff and jitter, at once when the browser comes back
//   online, and not at all while it says it is offline;
// - remembers the last seq seen per conversation and, after every `hello`, sends `resume`
//   for those that moved on meanwhile; the server replays what was missed;
// - passes `gap` (too much missed to replay) on after moving to its end: the page then
//   reloads what it shows of that conversation;
// - pings every `heartbeat` seconds and drops a connection that stopped answering;
// - on `session.ended` (or a refused connection without a session) goes to the login page;
// - shows "offline — reconnecting…" in a role=status banner while disconnected;
// - on close code 4403 (this page's origin is not allowed) stops and says so in the
//   banner, naming the setting: retrying could never succeed.
//
// Every frame is handed on as a "frame" event (detail: the frame), after the bookkeeping
// above; "status" events (detail: {connected}) say when the connection comes and goes.

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
const OFFLINE_TEXT = "offline — reconnecting…";

/** The event types that take the next seq of their conversation's stream. */
export const SEQUENCED = new Set([
  "message",
  "message.edited",
  "message.deleted",
  "message.reactions",
  "message.moved",
  // A call's entry in the history (docs/protocol.md, "Call history entries").
  "call.started",
  "call.joined",
  "call.left",
  "call.ended",
  "call.missed",
]);

export class ParleySocket extends EventTarget {
  /**
   * @param {object} options
   * @param {string} [options.url] the WebSocket URL; /ws/ on this page's host by default
   * @param {string} [options.loginUrl] where to go when the session has ended
   * @param {HTMLElement} [options.banner] a role=status element for the offline notice
   */
  constructor({ url, loginUrl = "/login/", banner = null } = {}) {
    super();
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    this.url = url || `${scheme}//${location.host}/ws/`;
    this.loginUrl = loginUrl;
    this.banner = banner;
    /** @type {Map<number, number>} conversation id → last seq seen */
    this.seen = new Map();
    this.ws = null;
    this.ready = false; // a hello arrived on the current connection
    this.failures = 0;
    this.stopped = true;
    this.heartbeatMs = 25_000;
    this.lastFrameAt = 0;
    this.timers = { retry: 0, ping: 0 };
    this.nextRef = 0;
    /** @type {Map<string, {resolve: Function, reject: Function}>} */
    this.replies = new Map();

    addEventListener("online", () => this.connectNow());
    addEventListener("offline", () => this.drop());
    addEventListener("pagehide", () => this.stop());
    addEventListener("pageshow", (event) => {
      if (event.persisted) this.start();
    });
  }

  /** Open the connection (and keep it open until stop()). */
  start() {
    this.stopped = false;
    this.connect();
  }

  /** Close for good: no reconnecting (the page is going away). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timers.retry);
    this.drop();
  }

  /** Raise the seq seen in a conversation: the page holds its messages up to `seq`. */
  track(conversation, seq) {
    if (seq > (this.seen.get(conversation) ?? -1)) this.seen.set(conversation, seq);
  }

  /** Send a frame now; false if the socket is not connected (nothing was sent). */
  send(frame) {
    if (!this.ready || this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Send a frame and wait for the reply that carries its ref (rejects on disconnect). */
  request(frame) {
    const ref = `q${++this.nextRef}`;
    return new Promise((resolve, reject) => {
      if (!this.send({ ...frame, ref })) {
        reject(new Error("not connected"));
        return;
      }
      this.replies.set(ref, { resolve, reject });
    });
  }

  get connected() {
    return this.ready;
  }

  // --- the connection -------------------------------------------------------------

  connect() {
    clearTimeout(this.timers.retry);
    if (this.stopped || this.ws) return;
    if (!navigator.onLine) {
      this.setBanner(true); // the "online" event reconnects
      return;
    }
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("message", (event) => this.receive(ws, event.data));
    ws.addEventListener("close", (event) => this.closed(ws, event.code, event.reason));
  }

  /** Reconnect now, forgetting the backoff (the network just came back). */
  connectNow() {
    this.failures = 0;
    if (!this.ws) this.connect();
  }

  /** Drop the current connection at once; reconnecting follows unless stopped. */
  drop() {
    if (this.ws) {
      const ws = this.ws;
      ws.close();
      this.closed(ws, 1000);
    }
  }

  closed(ws, code, reason = "") {
    if (ws !== this.ws) return; // an old connection, already dealt with
    this.ws = null;
    const wasReady = this.ready;
    this.ready = false;
    clearInterval(this.timers.ping);
    for (const { reject } of this.replies.values()) reject(new Error("disconnected"));
    this.replies.clear();
    if (wasReady) this.emit("status", { connected: false });
    if (code === 4001 || code === 4401) {
      this.goToLogin();
      return;
    }
    if (code === 4403) {
      this.refused(reason);
      return;
    }
    if (this.stopped) return;
    this.setBanner(true);
    if (!wasReady) this.checkSession(); // refused before hello: maybe signed out
    if (!navigator.onLine) return; // the "online" event reconnects
    const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.failures);
    this.failures += 1;
    const delay = ceiling / 2 + (Math.random() * ceiling) / 2;
    this.timers.retry = setTimeout(() => this.connect(), delay);
  }

  /** A handshake refused for a missing session looks like any failure to a browser;
   * ask the API, which answers 401 when signed out. */
  async checkSession() {
    try {
      const response = await fetch("/api/v1/conversations", { credentials: "same-origin" });
      if (response.status === 401) this.goToLogin();
    } catch {
      // offline: the next attempt will tell
    }
  }

  goToLogin() {
    this.stop();
    const next = encodeURIComponent(location.pathname + location.search);
    location.assign(`${this.loginUrl}?next=${next}`);
  }

  setBanner(offline) {
    if (this.banner) {
      this.banner.textContent = offline ? OFFLINE_TEXT : "";
      this.banner.classList.remove("refused");
    }
  }

  /** The server refused this page's origin (close 4403): no retry could succeed. */
  refused(reason) {
    this.stop();
    this.emit("refused", { reason });
    if (!this.banner) return;
    this.banner.textContent =
      `The server refused the connection: ${reason || "origin not allowed"} ` +
      `(this page is served from ${location.origin}). Live updates are off until it is added.`;
    this.banner.classList.add("refused");
  }

  heartbeat() {
    clearInterval(this.timers.ping);
    this.timers.ping = setInterval(() => {
      // No frame at all (not even a pong) for a whole beat and a half: the link is dead
      // even if the browser has not noticed yet.
      if (Date.now() - this.lastFrameAt > this.heartbeatMs * 1.5 + 5_000) {
        this.drop();
        return;
      }
      this.send({ type: "ping" });
    }, this.heartbeatMs);
  }

  // --- frames ---------------------------------------------------------------------

  receive(ws, text) {
    if (ws !== this.ws) return;
    this.lastFrameAt = Date.now();
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (frame.ref != null && this.replies.has(frame.ref)) {
      this.replies.get(frame.ref).resolve(frame);
      this.replies.delete(frame.ref);
      // The asker handles its own answer; errors and the rest still go to everyone.
      if (frame.type === "history" || frame.type === "done" || frame.type === "error") return;
    }
    if (SEQUENCED.has(frame.type)) {
      this.track(frame.conversation, frame.seq);
      this.emit("frame", frame);
      return;
    }
    switch (frame.type) {
      case "hello":
        this.hello(frame);
        return;
      case "resumed":
        for (const [id, seq] of Object.entries(frame.conversations)) this.track(Number(id), seq);
        break;
      case "gap":
        this.track(frame.conversation, frame.to);
        break;
      case "membership.changed":
        if (frame.change === "joined") this.track(frame.conversation, frame.seq);
        else this.seen.delete(frame.conversation);
        break;
      case "session.ended":
        this.goToLogin();
        return;
      case "pong":
        return;
    }
    this.emit("frame", frame);
  }

  hello(frame) {
    this.ready = true;
    this.failures = 0;
    this.heartbeatMs = Math.max(5, frame.heartbeat || 25) * 1000;
    this.heartbeat();
    this.setBanner(false);
    const missed = {};
    const current = new Set();
    for (const summary of frame.conversations) {
      current.add(summary.id);
      const seen = this.seen.get(summary.id);
      if (seen === undefined) this.seen.set(summary.id, summary.last_seq);
      else if (seen < summary.last_seq) missed[summary.id] = seen;
    }
    for (const id of [...this.seen.keys()]) if (!current.has(id)) this.seen.delete(id);
    this.emit("frame", frame);
    // Always resume, even with nothing missed: the server holds live events until then.
    this.send({ type: "resume", conversations: missed });
    // After the resume, so that what the page sends now queues behind the replay.
    this.emit("status", { connected: true });
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
