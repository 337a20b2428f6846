// The message pane: a window onto one conversation's messages, oldest at the top.
//
// A conversation is a stream of sequenced events: new messages, and edits, deletes,
// reaction changes and moves of earlier ones, each taking the next seq. So message seqs
// have holes, and the pane does not count on them being consecutive. It keeps:
// - the messages it shows, by id, each with `updated` (the seq of its last change). An
//   event about a shown message replaces it if the event's updated_seq is not older than
//   the shown one; so replays, pages and live events can arrive in any mix.
// - whether it is `following`: it shows the newest messages, so a new `message` event
//   is appended. A pane that was opened further back (a search result, a reply's
//   original) shows new messages only once it has paged (or jumped) forward.
// - while a page is being fetched, live events wait and are applied after it; a page is
//   read from the database after they were committed, so nothing falls in between.
// A `gap` (too much missed) or anything it cannot reconcile resets it to the newest page.
//
// Pages come from GET /api/v1/conversations/<id>/messages (newest first in each page).

import { dayKey, dayLabel, h } from "./dom.js";
import { isGone, messageElement, messageOf, pendingElement, quoteOf, replyQuote, updatedSeq } from "./messages.js";

const PAGE = 50;
const NEAR_BOTTOM_PX = 80;
const JUMP_SHOWS_PX = 400;
const CONTINUATION_MS = 5 * 60 * 1000;

export class Pane {
  /**
   * @param {object} app the chat page: els, view ({me, palette}), fetchPage(id, params),
   *   onSettled() (after any change: read markers), showError(text)
   */
  constructor(app) {
    this.app = app;
    this.els = app.els;
    this.pendingBox = h("div", { class: "ch-pending" });
    this.olderButton = h("button", { type: "button", class: "link", "data-load": "older" }, "Load older messages");
    this.startText = h("p", { class: "ch-log-note" });
    this.newerButton = h("button", { type: "button", class: "link", "data-load": "newer" }, "Load newer messages");
    this.jump = app.els.jump;
    this.reset(null);
  }

  /** Forget what is shown; `id` is the conversation the pane now belongs to. */
  reset(id) {
    this.id = id;
    this.token = (this.token || 0) + 1;
    /** @type {Map<number, Element>} message id → article */
    this.byId = new Map();
    this.first = 0; // seq of the oldest message shown (0: none)
    this.last = 0; // seq of the newest message shown
    this.hasOlder = false;
    this.following = true;
    this.loads = 0;
    this.held = [];
    this.olderLoading = false;
    this.newerLoading = false;
    this.newBelow = 0;
    this.draftName = null;
  }

  get loading() {
    return this.loads > 0;
  }

  // --- rendering ---------------------------------------------------------------------

  element(message) {
    return messageElement(message, this.app.view);
  }

  /** Show a page as the whole pane (oldest first); `anchor`: the seq to open at. */
  show(page, { anchor = null, lastReadSeq = null } = {}) {
    const messages = [...page.messages].reverse();
    const log = this.els.log;
    log.setAttribute("aria-busy", "true");
    this.byId.clear();
    const articles = messages.map((m) => this.element(m));
    log.replaceChildren(...articles, this.pendingBox);
    for (const article of articles) this.byId.set(Number(article.dataset.id), article);
    for (const message of messages) this.app.settlePending(message);
    this.first = messages.length ? messages[0].seq : 0;
    this.last = messages.length ? messages[messages.length - 1].seq : 0;
    this.hasOlder = this.first > 1;
    this.following = page.has_newer === false || (page.has_newer == null && page.newest === true);
    if (lastReadSeq != null) this.placeUnreadDivider(lastReadSeq);
    this.decorate();
    log.removeAttribute("aria-busy");
    this.updateMarkers();
    this.position(anchor);
  }

  /** The "New messages" line above the first unread message from someone else. */
  placeUnreadDivider(lastReadSeq) {
    this.els.log.querySelector(".ch-unread")?.remove();
    const me = String(this.app.view.me.id);
    let first = null;
    for (const article of this.byId.values()) {
      if (Number(article.dataset.seq) > lastReadSeq && article.dataset.sender !== me) {
        first = article;
        break;
      }
    }
    // Unread from the very start: no line above it, but the pane opens there.
    this.unreadStart = first;
    if (!first || (!first.previousElementSibling && !this.hasOlder)) return;
    const divider = h("div", { class: "ch-unread", role: "separator", "aria-label": "New messages" }, h("span", {}, "New messages"));
    first.before(divider);
  }

  /** Day separators and sender grouping for the whole log (after a page came in). */
  decorate() {
    const log = this.els.log;
    for (const day of log.querySelectorAll(".ch-day")) day.remove();
    let previous = null;
    for (const article of log.querySelectorAll(":scope > .ch-msg")) {
      this.decorateOne(article, previous);
      previous = article;
    }
  }

  /** Give `article` a day separator if it starts a day, and group it with `previous`. */
  decorateOne(article, previous) {
    const at = Number(article.dataset.at);
    const day = dayKey(at);
    const newDay = !previous || dayKey(Number(previous.dataset.at)) !== day;
    if (newDay) {
      const label = dayLabel(at);
      article.before(h("div", { class: "ch-day", role: "separator", "aria-label": label }, h("span", {}, label)));
    }
    const adjacent = previous && article.previousElementSibling === previous;
    const message = messageOf.get(article);
    const before = previous && messageOf.get(previous);
    const continued =
      adjacent &&
      !newDay &&
      previous.dataset.sender === article.dataset.sender &&
      at - Number(previous.dataset.at) < CONTINUATION_MS &&
      !(message && (message.reply_to || isGone(message))) &&
      !(before && isGone(before));
    article.classList.toggle("is-continued", Boolean(continued));
  }

  lastArticle() {
    const articles = this.els.log.querySelectorAll(":scope > .ch-msg");
    return articles.length ? articles[articles.length - 1] : null;
  }

  // --- scrolling -----------------------------------------------------------------------

  isNearBottom(px = NEAR_BOTTOM_PX) {
    const s = this.els.scroll;
    return s.scrollHeight - s.scrollTop - s.clientHeight < px;
  }

  scrollToBottom() {
    this.els.scroll.scrollTop = this.els.scroll.scrollHeight;
    this.newBelow = 0;
  }

  /** After showing a page: at `anchor` (highlighted), the unread divider, or the bottom. */
  position(anchor) {
    const scroll = this.els.scroll;
    if (anchor != null) {
      const target = this.articleAt(anchor);
      if (target) {
        this.highlight(target);
        return;
      }
    }
    const divider = this.els.log.querySelector(".ch-unread") || this.unreadStart;
    this.unreadStart = null;
    if (divider) {
      scroll.scrollTop = divider.offsetTop - 16; // .ch-scroll is positioned
      if (!this.isNearBottom()) {
        this.updateJump();
        return;
      }
    }
    this.scrollToBottom();
    this.updateJump();
  }

  /** The article of the message at `seq`, or the first one after it. */
  articleAt(seq) {
    for (const article of this.byId.values()) {
      if (Number(article.dataset.seq) >= seq) return article;
    }
    return null;
  }

  highlight(article) {
    for (const old of this.els.log.querySelectorAll(".is-target")) old.classList.remove("is-target");
    article.classList.add("is-target");
    article.scrollIntoView({ block: "center" });
    article.focus({ preventScroll: true });
    this.updateJump();
  }

  /** The jump-to-newest button: shown when the newest messages are out of view. */
  updateJump() {
    const away = !this.following || !this.isNearBottom(JUMP_SHOWS_PX);
    const show = Boolean(this.id) && away && this.byId.size > 0;
    this.jump.hidden = !show;
    if (!show) this.newBelow = 0;
    this.jump.textContent = this.newBelow
      ? `${this.newBelow} new message${this.newBelow > 1 ? "s" : ""} ↓`
      : "Jump to newest ↓";
  }

  // --- the markers above and below -----------------------------------------------------

  setupMarkers() {
    this.els.start.replaceChildren(this.olderButton, this.startText);
    this.els.end.replaceChildren(this.newerButton);
    if (!this.pendingBox.isConnected) this.els.log.append(this.pendingBox);
    this.olderButton.addEventListener("click", () => this.loadOlder());
    this.newerButton.addEventListener("click", () => this.loadNewer());
    const observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          if (!entry.isIntersecting) continue;
          if (entry.target === this.els.start) this.loadOlder();
          else if (!this.following) this.loadNewer();
        }
      },
      { root: this.els.scroll, rootMargin: "300px 0px" },
    );
    observer.observe(this.els.start);
    observer.observe(this.els.end);
  }

  updateMarkers() {
    const busy = this.loading && !this.olderLoading && !this.newerLoading;
    this.olderButton.hidden = busy || !this.hasOlder;
    this.olderButton.textContent = this.olderLoading ? "Loading older messages…" : "Load older messages";
    this.startText.hidden = !this.olderButton.hidden && !busy;
    if (busy) this.startText.textContent = "Loading…";
    else if (this.draftName) this.startText.textContent = `This is the start of your conversation with ${this.draftName}.`;
    else this.startText.textContent = "This is the start of the conversation.";
    this.newerButton.hidden = busy || this.following || !this.id;
    this.newerButton.textContent = this.newerLoading ? "Loading newer messages…" : "Load newer messages";
  }

  // --- loading ---------------------------------------------------------------------------

  /** Run a fetch with live events held; `apply(page)` runs only if the pane is still the same. */
  async load(params, apply) {
    const token = this.token;
    const id = this.id;
    this.loads += 1;
    this.updateMarkers();
    let ok = false;
    try {
      const page = await this.app.fetchPage(id, params);
      if (token !== this.token) return false;
      apply(page);
      ok = true;
    } catch (error) {
      if (token === this.token) this.app.showError("Could not load messages; try again.");
      console.warn("parley:", error);
    } finally {
      if (token === this.token) {
        this.loads -= 1;
        if (!this.loads) this.flush();
        this.updateMarkers();
        this.updateJump();
        this.app.onSettled();
        if (ok) requestAnimationFrame(() => this.checkEdges());
      }
    }
    return ok;
  }

  /** An end of the log is (still) in view after a page came in: page further. The
   * observer only reports changes, and a short page can leave an end in view. */
  checkEdges() {
    if (this.loading || !this.id || !this.els.scroll.getClientRects().length) return;
    const box = this.els.scroll.getBoundingClientRect();
    if (!this.following && this.els.end.getBoundingClientRect().top < box.bottom + 300) this.loadNewer();
    else if (this.hasOlder && this.els.start.getBoundingClientRect().bottom > box.top - 300) this.loadOlder();
  }

  /** Open conversation `id`: at `at` (a seq) if given, else at its first unread message. */
  async open(id, { at = null, lastReadSeq = null, unread = 0 } = {}) {
    this.reset(id);
    this.pendingBox.replaceChildren(); // the opener puts back this conversation's
    this.els.log.replaceChildren(this.pendingBox);
    this.updateJump();
    let params;
    let newest = false;
    if (at != null) params = { around: at, limit: PAGE };
    else if (unread >= PAGE / 2) params = { anchor: "first_unread", limit: PAGE };
    else {
      params = { limit: PAGE };
      newest = true;
    }
    return this.load(params, (page) => {
      this.show({ newest, ...page }, { anchor: at, lastReadSeq: at == null ? lastReadSeq : null });
    });
  }

  /** Back to the newest page (a gap, a send from further back, the jump button). */
  async reloadNewest() {
    const id = this.id;
    if (!id) return false;
    this.reset(id);
    return this.load({ limit: PAGE }, (page) => this.show({ newest: true, ...page }));
  }

  /** Scroll to the message at `seq`, loading the page around it if it is not shown. */
  async jumpTo(seq) {
    const shown = [...this.byId.values()].find((a) => Number(a.dataset.seq) === seq);
    if (shown) {
      this.highlight(shown);
      return;
    }
    const id = this.id;
    this.reset(id);
    await this.load({ around: seq, limit: PAGE }, (page) => this.show(page, { anchor: seq }));
  }

  async jumpToNewest() {
    if (this.following) {
      this.scrollToBottom();
      this.updateJump();
      this.app.onSettled();
      return;
    }
    await this.reloadNewest();
  }

  async loadOlder() {
    if (this.loading || !this.hasOlder || !this.id) return;
    this.olderLoading = true;
    await this.load({ before: this.first, limit: PAGE }, (page) => {
      const older = [...page.messages].reverse().filter((m) => m.seq < this.first && !this.byId.has(m.id));
      const scroll = this.els.scroll;
      const height = scroll.scrollHeight;
      const top = scroll.scrollTop;
      const articles = older.map((m) => this.element(m));
      this.els.log.setAttribute("aria-busy", "true");
      this.els.log.prepend(...articles);
      const merged = new Map();
      for (const article of articles) merged.set(Number(article.dataset.id), article);
      for (const [key, value] of this.byId) merged.set(key, value);
      this.byId = merged;
      this.decorate();
      this.els.log.removeAttribute("aria-busy");
      if (older.length) this.first = older[0].seq;
      this.hasOlder = page.has_more && older.length > 0;
      scroll.scrollTop = top + (scroll.scrollHeight - height);
    });
    this.olderLoading = false;
    this.updateMarkers();
  }

  /** Page forward from the newest message shown until the conversation's newest. */
  async loadNewer() {
    if (this.loading || this.following || !this.id) return;
    this.newerLoading = true;
    await this.load({ after: this.last, limit: PAGE }, (page) => {
      const newer = [...page.messages].reverse().filter((m) => m.seq > this.last);
      for (const message of newer) this.append(message, { quiet: true });
      const hasNewer = page.has_newer ?? page.has_more;
      if (!hasNewer) this.following = true;
    });
    this.newerLoading = false;
    this.updateMarkers();
  }

  // --- live events -----------------------------------------------------------------------

  /** A sequenced event of this pane's conversation (message, message.edited, …). */
  receive(frame) {
    if (this.loading) {
      this.held.push(frame);
      return;
    }
    this.apply(frame);
  }

  flush() {
    const held = this.held.sort((a, b) => a.seq - b.seq);
    this.held = [];
    for (const frame of held) this.apply(frame);
  }

  apply(frame) {
    const message = frame.message;
    if (!message) return;
    if (frame.type === "message") this.app.settlePending(message); // your own: its "Sending…" copy goes
    if (this.byId.has(message.id)) {
      this.update(message);
      return;
    }
    if (frame.type !== "message") return; // a change to a message not shown here
    if (this.following && message.seq > this.last) this.append(message);
    else if (this.following && message.seq >= this.first) {
      // A new message inside the stretch shown, yet not shown: this pane missed
      // something it cannot place; start again from the newest page.
      this.reloadNewest();
    } else {
      if (message.sender.id !== this.app.view.me.id) this.newBelow += 1;
      this.updateJump();
    }
  }

  /** A new message at the end (the pane is following). */
  append(message, { quiet = false } = {}) {
    const mine = message.sender.id === this.app.view.me.id;
    const stick = !quiet && (this.isNearBottom() || mine);
    const article = this.element(message);
    const previous = this.lastArticle();
    this.pendingBox.before(article);
    this.decorateOne(article, previous);
    this.byId.set(message.id, article);
    this.last = message.seq;
    if (!this.first) this.first = message.seq;
    if (stick) this.scrollToBottom();
    else if (!quiet && !mine) this.newBelow += 1;
    this.updateJump();
  }

  /** Replace a shown message with a newer state of it (never an older one). */
  update(message) {
    const old = this.byId.get(message.id);
    // Only a newer state replaces it: replays and pages may bring older or the same.
    if (!old || updatedSeq(message) <= Number(old.dataset.updated)) return;
    const article = this.element(message);
    const stick = this.isNearBottom();
    const wasFocused = old.contains(document.activeElement);
    const tools = old.querySelector(":scope > .ch-tools");
    if (old.classList.contains("is-target")) article.classList.add("is-target");
    old.replaceWith(article);
    this.byId.set(message.id, article);
    if (tools) this.app.onReplaced(article, tools);
    let previous = article.previousElementSibling;
    while (previous && !previous.classList.contains("ch-msg")) previous = previous.previousElementSibling;
    if (article.previousElementSibling?.classList.contains("ch-day")) article.previousElementSibling.remove();
    this.decorateOne(article, previous);
    let next = article.nextElementSibling;
    while (next && !next.classList.contains("ch-msg")) next = next.nextElementSibling;
    if (next && next.parentElement === this.els.log) {
      if (next.previousElementSibling?.classList.contains("ch-day")) next.previousElementSibling.remove();
      this.decorateOne(next, article);
    }
    this.refreshQuotes(message);
    if (wasFocused) article.focus({ preventScroll: true });
    if (stick) this.scrollToBottom();
  }

  /** Replies quoting `message` show its new text (or that it was deleted). */
  refreshQuotes(message) {
    if (message.moved_to) return; // the quote still leads to where it was
    for (const quote of this.els.log.querySelectorAll(`.ch-reply[data-reply="${message.id}"]`)) {
      quote.replaceWith(replyQuote(quoteOf(message)));
    }
  }

  // --- your own messages before the server has them --------------------------------------

  addPending(entry) {
    entry.element = pendingElement(entry, this.app.view);
    this.pendingBox.append(entry.element);
    this.scrollToBottom();
    this.updateJump();
  }

  /** Your newest message that can still be edited, for the Up key. */
  lastOwnMessage() {
    const me = String(this.app.view.me.id);
    const articles = [...this.byId.values()];
    for (let i = articles.length - 1; i >= 0; i -= 1) {
      const message = messageOf.get(articles[i]);
      if (articles[i].dataset.sender === me && message && !isGone(message)) return message;
    }
    return null;
  }

  /** Whether the newest message is on screen (for read markers). */
  newestIsVisible() {
    const scroll = this.els.scroll;
    if (!scroll.getClientRects().length) return false; // the pane is hidden (phone list)
    const newest = this.lastArticle();
    if (!newest) return true;
    const box = scroll.getBoundingClientRect();
    const rect = newest.getBoundingClientRect();
    return rect.top < box.bottom - 8 && rect.bottom > box.top;
  }
}
