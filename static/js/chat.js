// The chat page: takes over the server-rendered list, pane and composer and keeps them
// live over the WebSocket (socket.js). See docs/protocol.md for the frames.
//
// The parts: pane.js (the messages of the open conversation), messages.js (one message),
// composer.js (writing, replies, edits, mentions, preview, typing), menu.js (what you can
// do to a message), presence.js (dots and typing lines), notify.js (desktop notifications
// while the tab is hidden, and Web Push). This module holds the
// conversation list, your unsent messages and the wiring between the parts.
//
// Your own messages show at once, below the others, as "Sending…"; the message itself,
// when the server sends it back, takes their place. A send that fails keeps its text and
// offers Retry, which resends with the same client_id, so the server can never store
// it twice.

import { Attachments } from "./attachments.js";
import { Composer } from "./composer.js";
import { Calls } from "./calls/index.js";
import { avatar, csrfToken, excerpt, h, localiseTime, newClientId, textOf } from "./dom.js";
import { MessageMenu } from "./menu.js";
import { Notices } from "./notices.js";
import { DesktopNotifier } from "./notify.js";
import { Pane } from "./pane.js";
import { Presence } from "./presence.js";
import { SearchPanel } from "./search.js";
import { ParleySocket } from "./socket.js";
import { EmojiPicker } from "./emoji.js";
import { installShortcutsHelp } from "./shortcuts.js";
import { Switcher } from "./switcher.js";
import { GroupAdder } from "./group-add.js";

const ACK_TIMEOUT_MS = 20_000;

const data = JSON.parse(document.getElementById("chat-data").textContent);

const $ = (id) => document.getElementById(id);
const els = {
  app: $("chat-app"),
  banner: $("ch-banner"),
  list: $("ch-list"),
  convs: $("ch-convs"),
  myStatus: $("ch-my-status"),
  back: $("ch-back"),
  title: $("ch-pane-title"),
  sub: $("ch-pane-sub"),
  links: $("ch-pane-links"),
  empty: $("ch-empty"),
  scroll: $("ch-scroll"),
  start: $("ch-log-start"),
  log: $("ch-log"),
  end: $("ch-log-end"),
  jump: $("ch-jump"),
  typing: $("ch-typing"),
  status: $("ch-status"),
  note: $("ch-note"),
  composer: $("ch-composer"),
  input: $("ch-input"),
  label: $("ch-input-label"),
  error: $("ch-error"),
  description: $("ch-pane-description"),
  marks: $("ch-pane-marks"),
};

const view = { me: data.me, palette: data.colours };

const state = {
  /** @type {Map<number, object>} conversation summaries, as in `hello` */
  conversations: new Map(data.conversations.map((c) => [c.id, c])),
  /** conversation ids, most recent activity first */
  order: data.conversations.map((c) => c.id),
  current: data.current,
  draft: data.draft, // {user, allowed} while writing a first direct message
  gone: false, // you left (or were removed from) the open conversation
  archivedRooms: new Set(data.archived_rooms), // readable, closed to new messages
  /** @type {Map<string, object>} your messages the pane does not have yet, by client_id */
  outbox: new Map(),
};

const socket = new ParleySocket({ loginUrl: data.urls.login, banner: els.banner });

// The parts share this object: what each needs of the page, and each other.
const app = {
  els,
  view,
  socket,
  current: () => state.current,
  conversation: () => state.conversations.get(state.current),
  conversations: () => [...state.conversations.values()],
  canSend,
  composerLabel,
  fetchPage,
  request,
  send: queueSend,
  settlePending,
  showError,
  clearError,
  announce,
  onSettled: () => markRead(),
  openRoom,
  onReplaced: (article) => app.menu.reattach(article),
  typingChanged: () => scheduleList(),
  limits: data.limits,
  urls: data.urls,
  open: (id, { at = null } = {}) => openConversation(id, { at }),
};
app.pane = new Pane(app);
app.composer = new Composer(app);
app.attachments = new Attachments(app);
app.emoji = new EmojiPicker(app);
app.menu = new MessageMenu(app);
app.presence = new Presence(app);
view.presence = app.presence; // messages show their senders' presence dots
app.notices = new Notices(app, data);
app.openConversation = (id) => openConversation(id);
app.switcher = new Switcher(app);
// "New message": the switcher, for people only (choosing one opens or starts your direct
// conversation with them).
app.summaryChanged = (summary) => onSummary(summary);
app.groupAdder = new GroupAdder(app, csrfToken);
$("ch-new").hidden = false;
$("ch-new").addEventListener("click", () => app.switcher.open({ peopleOnly: true }));
installShortcutsHelp();
app.notifier = new DesktopNotifier(app);
app.calls = new Calls(app); // call buttons, the incoming prompt, the call view (calls/)
const { pane, composer, presence } = app;

// --- the conversation list ----------------------------------------------------------

let listQueued = false;

function scheduleList() {
  if (listQueued) return;
  listQueued = true;
  queueMicrotask(() => {
    listQueued = false;
    renderList();
  });
}

function renderList() {
  const focused = els.list.contains(document.activeElement)
    ? document.activeElement.closest("[data-conversation]")?.dataset.conversation
    : null;
  const rooms = new Map();
  const personal = [];
  const starred = [];
  for (const id of state.order) {
    const c = state.conversations.get(id);
    if (!c) continue;
    if (c.starred) starred.push(c);
    else if (c.kind === "chat" && c.room) {
      if (!rooms.has(c.room.id)) rooms.set(c.room.id, { room: c.room, chats: [] });
      rooms.get(c.room.id).chats.push(c);
    } else {
      personal.push(c);
    }
  }
  const sections = [];
  if (starred.length) {
    sections.push(
      h(
        "section",
        { class: "ch-section", "aria-labelledby": "ch-starred-h" },
        h("h2", { id: "ch-starred-h" }, "Starred"),
        h("ul", { class: "ch-convs", "aria-labelledby": "ch-starred-h" }, starred.map(listItem)),
      ),
    );
  }
  if (rooms.size) {
    sections.push(
      h(
        "section",
        { class: "ch-section", "aria-labelledby": "ch-rooms-h" },
        h("h2", { id: "ch-rooms-h" }, "Rooms"),
        h(
          "ul",
          { class: "ch-rooms" },
          [...rooms.values()].map(({ room, chats }) =>
            h(
              "li",
              { class: "ch-room", "data-room": room.id },
              h("h3", { id: `ch-room-${room.id}` }, room.title),
              h("ul", { class: "ch-convs", "aria-labelledby": `ch-room-${room.id}` }, chats.map(listItem)),
            ),
          ),
        ),
      ),
    );
  }
  if (personal.length) {
    sections.push(
      h(
        "section",
        { class: "ch-section", "aria-labelledby": "ch-people-h" },
        h("h2", { id: "ch-people-h" }, "Direct messages"),
        h("ul", { class: "ch-convs", "aria-labelledby": "ch-people-h" }, personal.map(listItem)),
      ),
    );
  }
  if (!sections.length) sections.push(h("p", { class: "ch-list-empty" }, "No conversations yet."));
  els.convs.replaceChildren(...sections);
  showDocumentTitle();
  if (focused) els.convs.querySelector(`[data-conversation="${focused}"] a`)?.focus();
}

function listItem(c) {
  const count = c.unread || 0;
  const mentions = c.mentions || 0;
  let picture = null;
  if (c.kind !== "chat") {
    picture =
      c.people.length === 1
        ? [avatar(c.people[0], view.palette), presence.dot(c.people[0].id, "ch-dot-avatar")]
        : h("span", { class: "avatar ch-avatar-group", "aria-hidden": "true" }, String(c.people.length + 1));
  }
  const lock = c.room?.private ? h("span", { class: "ch-lock", role: "img", "aria-label": "private" }) : null;
  const title =
    c.kind === "chat"
      ? [lock || h("span", { class: "ch-hash", "aria-hidden": "true" }, "#"), c.starred ? `${c.room.title} › ${c.chat}` : c.chat]
      : [c.title];
  const muted = c.muted ? h("span", { class: "ch-muted" }, "muted") : null;
  const typers = presence.typers(c.id);
  let preview = null;
  if (typers.length) {
    preview = h("span", { class: "ch-conv-preview is-typing" }, typers.length === 1 ? `${typers[0].name} is typing…` : "Several people are typing…");
  } else if (c.preview) {
    preview = h("span", { class: "ch-conv-preview" }, previewLine(c));
  }
  return h(
    "li",
    { "data-conversation": c.id },
    h(
      "a",
      {
        class: `ch-conv${count ? " has-unread" : ""}${c.muted ? " is-muted" : ""}`,
        href: `${data.urls.chat}${c.id}/`,
        "aria-current": c.id === state.current ? "page" : null,
      },
      picture,
      h("span", { class: "ch-conv-text" }, h("span", { class: "ch-conv-title" }, title), preview),
      muted,
      mentions
        ? h("span", { class: "badge badge-mention", "aria-label": `${mentions} mention${mentions > 1 ? "s" : ""}` }, `@${mentions}`)
        : null,
      count ? h("span", { class: "badge", "aria-label": `${count} unread` }, String(count)) : null,
    ),
  );
}

/** A list entry's last line: who said it (not in a direct conversation, whose title is
 * already the other person, unless it was you) and what. */
function previewLine(c) {
  const mine = c.preview.sender_id === view.me.id;
  if (c.kind === "direct" && !mine) return c.preview.text;
  return `${mine ? "You" : c.preview.sender}: ${c.preview.text}`;
}

/** The tab's title: the open conversation, after the number of unread messages (muted
 * conversations left out). */
function showDocumentTitle() {
  let unread = 0;
  for (const c of state.conversations.values()) if (!c.muted) unread += c.unread || 0;
  const title = `${unread ? `(${unread}) ` : ""}${state.pageTitle || "Chat"} · Parley`;
  if (document.title !== title) document.title = title;
}

function moveToTop(id) {
  state.order = [id, ...state.order.filter((other) => other !== id)];
}

// --- your messages on their way -------------------------------------------------------

function canSend() {
  if (state.gone) return false;
  const c = state.conversations.get(state.current);
  if (c?.room && state.archivedRooms.has(c.room.id)) return false;
  return Boolean(c || state.draft);
}

function queueSend({ body, replyTo, attachments = [] }) {
  if (state.current && !pane.following) pane.jumpToNewest();
  const entry = {
    clientId: newClientId(),
    body,
    replyTo,
    attachments,
    conversation: state.current,
    user: state.current ? null : state.draft.user.id,
    state: "pending",
    element: null,
    timer: 0,
  };
  state.outbox.set(entry.clientId, entry);
  pane.addPending(entry);
  transmit(entry);
}

/** Send (or resend, with the same client_id) one outbox entry; queued while offline. */
function transmit(entry) {
  entry.state = "pending";
  showEntryState(entry);
  clearTimeout(entry.timer);
  const frame = { type: "send", client_id: entry.clientId, body: entry.body };
  if (entry.conversation) frame.conversation = entry.conversation;
  else frame.user = entry.user;
  if (entry.replyTo) frame.reply_to = entry.replyTo.id;
  if (entry.attachments.length) frame.attachments = entry.attachments.map((a) => a.id);
  if (socket.send(frame)) {
    entry.timer = setTimeout(() => fail(entry, "the server did not answer"), ACK_TIMEOUT_MS);
  }
}

function showEntryState(entry, reason = "") {
  const element = entry.element;
  const line = element.querySelector(".ch-msg-state");
  element.classList.toggle("is-failed", entry.state === "failed");
  element.classList.toggle("is-pending", entry.state === "pending");
  if (!line) return;
  if (entry.state === "failed") {
    line.replaceChildren(
      `Not sent${reason ? `: ${reason}` : "."} `,
      h("button", { type: "button", class: "link", "data-retry": entry.clientId }, "Retry"),
    );
  } else if (entry.state === "acked") {
    line.remove();
  } else {
    line.replaceChildren("Sending…");
  }
}

function fail(entry, reason) {
  clearTimeout(entry.timer);
  entry.state = "failed";
  showEntryState(entry, reason);
}

/** The server has your message (ack): it is no longer pending; the pane's copy follows. */
function acked(frame) {
  const entry = state.outbox.get(frame.client_id);
  if (!entry) return;
  clearTimeout(entry.timer);
  if (!entry.conversation) adoptDraft(frame.conversation);
  entry.conversation = frame.conversation;
  entry.state = "acked";
  showEntryState(entry);
  if (pane.byId.has(frame.id)) settle(entry);
}

/** A message arrived in the pane: if it is one of yours, its "Sending…" copy goes. */
function settlePending(message) {
  if (message.sender.id !== view.me.id) return;
  const entry = state.outbox.get(message.client_id);
  if (entry) settle(entry);
}

function settle(entry) {
  clearTimeout(entry.timer);
  state.outbox.delete(entry.clientId);
  entry.element?.remove();
}

function sendError(frame) {
  const entry = state.outbox.get(frame.client_id);
  if (entry) fail(entry, frame.message.replace(/\.$/, "").toLowerCase());
  let text = frame.message;
  if (frame.code === "rate_limited" && frame.retry_after) {
    text += ` Try again in ${Math.ceil(frame.retry_after)} s.`;
  }
  showError(text);
}

/** A frame answered by `done` or `error`; an error-shaped answer when offline. */
async function request(frame) {
  try {
    return await socket.request(frame);
  } catch {
    return { type: "error", code: "offline", message: "You are offline; try again when the connection is back." };
  }
}

function showError(text) {
  els.error.textContent = text;
}

function clearError() {
  els.error.textContent = "";
}

function announce(text) {
  els.status.textContent = "";
  requestAnimationFrame(() => {
    els.status.textContent = text;
  });
}

// --- loading pages --------------------------------------------------------------------

async function fetchPage(id, params) {
  const query = new URLSearchParams(params);
  const response = await fetch(`/api/v1/conversations/${id}/messages?${query}`, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  if (response.status === 401) socket.goToLogin();
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

let summariesQueued = 0;

/** Reload the summaries (unread counts) after a gap in a conversation not shown. */
function refreshSummaries() {
  clearTimeout(summariesQueued);
  summariesQueued = setTimeout(async () => {
    try {
      const response = await fetch("/api/v1/conversations", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) return;
      for (const summary of (await response.json()).conversations) {
        if (state.conversations.has(summary.id)) state.conversations.set(summary.id, summary);
      }
      scheduleList();
    } catch {
      // offline: the next hello brings them
    }
  }, 300);
}

// --- switching conversations -----------------------------------------------------------

function composerLabel() {
  const c = state.conversations.get(state.current);
  return `Message ${c ? c.title : state.draft ? state.draft.user.name : ""}`;
}

function showTitle(c) {
  const title = c ? c.title : state.draft ? state.draft.user.name : "Chat";
  els.title.textContent = title;
  state.pageTitle = title;
  showDocumentTitle();
  if (state.draft && !c) els.sub.replaceChildren(`New direct message to @${state.draft.user.username}`);
  else if (c?.kind === "direct" && c.people.length) {
    const person = c.people[0];
    els.sub.replaceChildren(presence.dot(person.id), ` @${person.username}`);
  } else if (c?.kind === "group") els.sub.replaceChildren(`${c.people.length + 1} people`);
  else els.sub.replaceChildren();
  const links = [];
  if (c?.room) {
    links.push(h("a", { href: `/rooms/${c.room.slug}/` }, "Room & members"));
    if (["owner", "admin"].includes(c.room.role)) {
      links.push(h("a", { href: `/rooms/${c.room.slug}/settings/` }, "Room settings"));
    }
  }
  if (c?.kind === "group" && !state.gone) {
    const add = h("button", { type: "button", class: "link", "aria-haspopup": "dialog" }, "Add people");
    add.addEventListener("click", () => app.groupAdder.open(state.conversations.get(c.id) || c));
    links.push(add);
  }
  if (c) {
    // Its notification level, on Settings → Notifications (a chat's is its room's).
    const level = c.room ? `r${c.room.id}` : `c${c.id}`;
    links.push(h("a", { href: `/settings/notifications/#level-${level}` }, "Notifications"));
  }
  els.links.replaceChildren(...links);
  els.description.textContent = c?.description ? excerpt(c.description.replace(/[*_`>#~]+/g, ""), 160) : "";
  els.description.hidden = !els.description.textContent;
  for (const button of els.marks.querySelectorAll("[data-mark]")) {
    button.hidden = !c;
    button.setAttribute("aria-pressed", String(Boolean(c?.[button.dataset.mark])));
  }
  if (!composer.mode) els.label.textContent = composerLabel();
  app.calls.shown(c);
}

function showPane(c) {
  showTitle(c);
  const open = Boolean(c || state.draft);
  els.empty.hidden = open;
  els.scroll.hidden = !open;
  showComposer();
  presence.showTyping();
}

/** The composer, or a note saying why there is none (or why a send will be refused). */
function showComposer() {
  const c = state.conversations.get(state.current);
  let note = "";
  let closed = !state.current && !state.draft;
  if (state.gone) {
    note = "You are no longer in this conversation.";
    closed = true;
  } else if (c?.room && state.archivedRooms.has(c.room.id)) {
    note = "This room is archived: you can read it, but nothing new can be posted here.";
    closed = true;
  } else if (!state.current && state.draft && !state.draft.allowed) {
    note = `You can message ${state.draft.user.name} once you are friends or share a room.`;
  }
  els.note.textContent = note;
  els.note.hidden = !note;
  els.composer.hidden = closed;
}

async function openConversation(id, { push = true, at = null } = {}) {
  const c = state.conversations.get(id);
  if (!c) {
    location.assign(`${data.urls.chat}${id}/${at ? `?at=${at}` : ""}`);
    return;
  }
  els.app.dataset.show = "pane";
  if (id === state.current && at == null && !pane.loading && !state.gone) return;
  if (id !== state.current) composer.clear();
  state.current = id;
  state.draft = null;
  state.gone = false;
  if (push) history.pushState({ conversation: id }, "", `${data.urls.chat}${id}/${at ? `?at=${at}` : ""}`);
  showPane(c);
  renderList();
  clearError();
  const opening = pane.open(id, { at, lastReadSeq: c.last_read_seq, unread: c.unread || 0 });
  for (const entry of state.outbox.values()) {
    if (entry.conversation === id && entry.element) pane.pendingBox.append(entry.element);
  }
  await opening;
  if (state.current === id && !els.list.checkVisibility?.()) els.title.focus();
}

/** The first direct message created conversation `id`: the draft pane becomes it. */
function adoptDraft(id) {
  if (!state.draft || state.current === id) return;
  state.current = id;
  state.draft = null;
  pane.id = id;
  pane.draftName = null;
  history.replaceState({ conversation: id }, "", `${data.urls.chat}${id}/`);
  const c = state.conversations.get(id);
  if (c) showTitle(c);
  showComposer();
  pane.updateMarkers();
  renderList();
}

function leaveOpenConversation() {
  state.gone = true;
  pane.reset(null);
  pane.updateMarkers();
  pane.updateJump();
  composer.clear();
  showComposer();
}

// --- read markers -------------------------------------------------------------------------
//
// A message is read once it has been on screen (at least half of it, or half the pane for
// a long one) while the tab is visible: the read marker moves up to the newest message
// seen, so the unread badge goes down as the user scrolls, not all at once on opening.

/** The newest seq seen on screen in the open conversation. */
const seen = { conversation: null, seq: 0 };

const seenObserver = new IntersectionObserver(
  (entries) => {
    let moved = false;
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const enough =
        entry.intersectionRatio >= 0.5 || entry.intersectionRect.height >= (entry.rootBounds?.height || Infinity) / 2;
      const seq = Number(entry.target.dataset.seq);
      if (!enough || !seq || entry.target.classList.contains("is-pending")) continue;
      if (seen.conversation !== state.current) Object.assign(seen, { conversation: state.current, seq: 0 });
      if (seq > seen.seq) {
        seen.seq = seq;
        moved = true;
      }
    }
    if (moved) markRead();
  },
  { root: els.scroll, threshold: [0, 0.25, 0.5, 0.75, 1] },
);

// Every message the pane draws is watched (pages, live ones, replacements after edits).
new MutationObserver((records) => {
  for (const record of records) {
    for (const node of record.addedNodes) if (node.classList?.contains("ch-msg")) seenObserver.observe(node);
    for (const node of record.removedNodes) if (node.classList?.contains("ch-msg")) seenObserver.unobserve(node);
  }
}).observe(els.log, { childList: true });

/** Tell the server how far you have read: up to the newest message seen on screen, or
 * the newest event when the newest message is on screen (edits take later seqs). */
function markRead() {
  const id = state.current;
  const c = state.conversations.get(id);
  if (!c || state.gone || pane.loading || document.visibilityState !== "visible") return;
  if (c.last_read_seq >= c.last_seq && !c.unread) return;
  let seq = seen.conversation === id ? seen.seq : 0;
  if (pane.following && pane.newestIsVisible() && pane.lastArticle()) seq = c.last_seq;
  if (seq <= c.last_read_seq) return;
  if (!socket.send({ type: "read", conversation: id, seq })) return;
  c.last_read_seq = seq;
  if (seq >= c.last_seq) {
    c.unread = 0;
    c.mentions = 0;
  }
  scheduleList(); // the read event that answers brings the exact counts
}

// --- frames from the server -------------------------------------------------------------

/** The list's line for a conversation's last message, as the server's summary has it. */
function previewOf(message) {
  let text = excerpt(textOf(message));
  if (message.deleted) text = "(deleted)";
  else if (message.moved_to) text = "(moved)";
  return { id: message.id, sender: message.sender.name, sender_id: message.sender.id, text };
}

/** Any sequenced event: the summary moves on; the pane takes it if it is open. */
function onSequenced(frame) {
  const message = frame.message;
  const c = state.conversations.get(frame.conversation);
  if (c) {
    const isNew = frame.seq > c.last_seq;
    c.last_seq = Math.max(c.last_seq, frame.seq);
    if (frame.type === "message" && isNew) {
      c.last_message_at = message.created_at;
      c.preview = previewOf(message);
      moveToTop(c.id);
      if (message.sender.id === view.me.id) {
        c.last_read_seq = Math.max(c.last_read_seq, frame.seq);
      } else {
        c.unread = (c.unread || 0) + 1;
        if ((message.mentions || []).includes(view.me.id)) c.mentions = (c.mentions || 0) + 1;
      }
      scheduleList(); // changes to older messages show nothing in the list
    } else if (frame.type !== "message" && c.preview?.id === message.id) {
      // The last message was edited, deleted or moved: the list must not keep old text.
      // A tombstone is not shown: the server's summary previews the message before it.
      if (message.deleted || message.moved_to) {
        c.preview = null;
        refreshSummaries();
      } else c.preview = previewOf(message);
      scheduleList();
    }
  }
  if (frame.type === "message") presence.sent(frame.conversation, message.sender.id);
  else if (composer.mode?.message.id === message.id) composer.messageChanged(message);
  if (frame.conversation === state.current && !state.gone) {
    pane.receive(frame);
    markRead();
  } else if (frame.type === "message") {
    settlePending(message); // a first direct message, or one sent before switching away
  }
}

function onHello(frame) {
  view.me = frame.user;
  state.conversations = new Map(frame.conversations.map((c) => [c.id, c]));
  state.order = frame.conversations.map((c) => c.id);
  presence.hello(frame.presence);
  if (state.current && !state.conversations.has(state.current)) leaveOpenConversation();
  else if (state.current) showTitle(state.conversations.get(state.current)); // renamed meanwhile
  renderList();
}

function onMembership(frame) {
  const id = frame.conversation;
  if (frame.change === "joined") {
    const summary = frame.summary;
    if (summary) state.conversations.set(id, summary);
    if (!state.order.includes(id)) state.order.unshift(id);
    const draftUser = state.draft?.user.id;
    if (draftUser && summary?.kind === "direct" && summary.people.some((p) => p.id === draftUser)) {
      adoptDraft(id);
    } else if (id === state.current && summary) {
      showTitle(summary);
    } else if (summary?.room && summary.room.id === state.openOnJoin) {
      state.openOnJoin = null;
      queueMicrotask(() => openConversation(id));
    }
  } else {
    state.conversations.delete(id);
    state.order = state.order.filter((other) => other !== id);
    if (id === state.current) leaveOpenConversation();
  }
  scheduleList();
}

function onRead(frame) {
  const c = state.conversations.get(frame.conversation);
  if (!c) return;
  c.last_read_seq = Math.max(c.last_read_seq, frame.seq);
  if (frame.unread != null) c.unread = frame.unread;
  if (frame.mentions != null) c.mentions = frame.mentions;
  else if (!c.unread) c.mentions = 0;
  scheduleList();
}

/** A chat or its room was renamed, moved or (un)archived. */
function onUpdated(frame) {
  const c = state.conversations.get(frame.conversation);
  if (!c) return;
  c.title = frame.title;
  if (frame.chat != null) c.chat = frame.chat;
  if (frame.room) {
    c.room = { ...c.room, id: frame.room.id, slug: frame.room.slug, title: frame.room.title };
    if (frame.room.archived) state.archivedRooms.add(frame.room.id);
    else state.archivedRooms.delete(frame.room.id);
  }
  if (frame.conversation === state.current) {
    showTitle(c);
    showComposer();
  }
  scheduleList();
}

/** A conversation's summary as the API answered it (people added to a group). */
function onSummary(summary) {
  const c = state.conversations.get(summary.id);
  if (!c) return;
  c.people = summary.people;
  c.title = summary.title;
  if (summary.id === state.current) showTitle(c);
  scheduleList();
}

/** Muted or starred, here or on another device. */
function onMarked(frame) {
  const c = state.conversations.get(frame.conversation);
  if (!c) return;
  c.muted = frame.muted;
  c.starred = frame.starred;
  if (frame.conversation === state.current) showTitle(c);
  scheduleList();
}

els.marks.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-mark]");
  const c = state.conversations.get(state.current);
  if (!button || !c) return;
  const mark = button.dataset.mark;
  const response = await fetch(`/api/v1/conversations/${c.id}`, {
    method: "PATCH",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify({ [mark]: !c[mark] }),
  }).catch(() => null);
  if (!response?.ok) {
    showError("That did not work; try again.");
    return;
  }
  onMarked(await response.json());
  announce(`${c.title} ${mark === "muted" ? (c.muted ? "muted" : "unmuted") : c.starred ? "starred" : "unstarred"}.`);
});

function onGap(frame) {
  const c = state.conversations.get(frame.conversation);
  if (c && frame.to > c.last_seq) c.last_seq = frame.to;
  if (frame.conversation === state.current) pane.reloadNewest();
  else refreshSummaries();
}

socket.addEventListener("frame", ({ detail: frame }) => {
  switch (frame.type) {
    case "hello":
      onHello(frame);
      break;
    case "message":
    case "message.edited":
    case "message.deleted":
    case "message.reactions":
    case "message.moved":
      onSequenced(frame);
      break;
    // A call's history entry: new like a message, then changed like an edited one.
    case "call.started":
      onSequenced({ ...frame, type: "message" });
      break;
    case "call.joined":
    case "call.left":
    case "call.ended":
    case "call.missed":
      onSequenced({ ...frame, type: "message.edited" });
      break;
    case "ack":
      acked(frame);
      markRead();
      break;
    case "error":
      if (frame.client_id) sendError(frame);
      else console.warn("parley:", frame.code, frame.message);
      break;
    case "membership.changed":
      onMembership(frame);
      break;
    case "read":
      onRead(frame);
      break;
    case "gap":
      onGap(frame);
      break;
    case "conversation.updated":
      onUpdated(frame);
      break;
    case "conversation.marked":
      onMarked(frame);
      break;
    case "typing":
      presence.typingEvent(frame);
      break;
    case "presence":
      presence.event(frame);
      break;
    default:
      app.notices.receive(frame);
  }
});

/** Open a room's chat: now if the page has it, else when its membership.changed comes
 * (an invitation just accepted). */
function openRoom(roomId) {
  const chat = [...state.conversations.values()].find((c) => c.room?.id === roomId);
  if (chat) openConversation(chat.id);
  else state.openOnJoin = roomId;
}

// The server refused this page's origin (close 4403): the banner says why; nothing here
// may look connected.
socket.addEventListener("refused", () => {
  els.app.dataset.connection = "refused";
  els.myStatus.textContent = "Not connected";
});

socket.addEventListener("status", ({ detail }) => {
  els.app.dataset.connection = detail.connected ? "online" : "offline";
  if (!detail.connected) return;
  presence.sendMine(true);
  // Whatever waited for the connection goes now, oldest first, with its own client_id.
  for (const entry of state.outbox.values()) {
    if (entry.state === "pending") transmit(entry);
  }
  markRead();
});

// --- wiring ---------------------------------------------------------------------------------

els.log.addEventListener("click", (event) => {
  if (followChatLink(event)) return;
  const copy = event.target.closest("[data-copy]");
  if (copy) {
    const code = copy.closest("pre")?.querySelector("code")?.textContent ?? "";
    navigator.clipboard?.writeText(code).then(
      () => {
        copy.textContent = "Copied";
        announce("Code copied.");
        setTimeout(() => (copy.textContent = "Copy code"), 1500);
      },
      () => showError("The browser did not allow copying."),
    );
    return;
  }
  const retry = event.target.closest("[data-retry]");
  if (!retry) return;
  const entry = state.outbox.get(retry.dataset.retry);
  if (entry) {
    clearError();
    transmit(entry);
  }
});

/** A link to a message (/chat/<id>/?at=SEQ: a reply's quote, a message's time) opens it in
 * this page: the pane jumps to it, in this conversation or another of yours. */
function followChatLink(event, link = event.target.closest("a[href]")) {
  if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return false;
  const url = new URL(link.href);
  const match = url.origin === location.origin && url.pathname.match(/^\/chat\/(\d+)\/$/);
  const at = Number(url.searchParams.get("at"));
  if (!match || !at || !state.conversations.has(Number(match[1]))) return false;
  event.preventDefault();
  const id = Number(match[1]);
  if (id === state.current && !state.gone) {
    history.pushState({ conversation: id }, "", url.pathname + url.search);
    pane.jumpTo(at);
  } else {
    openConversation(id, { at });
  }
  return true;
}

els.jump.addEventListener("click", () => pane.jumpToNewest());

// The top bar's search shows its results beside the pane; a result opens in this page.
app.search = new SearchPanel(app, followChatLink);

els.list.addEventListener("click", (event) => {
  const link = event.target.closest("a.ch-conv");
  if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return;
  }
  event.preventDefault();
  openConversation(Number(link.closest("[data-conversation]").dataset.conversation));
});

els.back.addEventListener("click", () => {
  els.app.dataset.show = "list";
  const link = els.list.querySelector('[aria-current="page"]') || els.list.querySelector("a.ch-conv");
  link?.focus();
});

addEventListener("popstate", () => {
  const match = location.pathname.match(/\/(\d+)\/$/);
  const at = new URLSearchParams(location.search).get("at");
  if (match && state.conversations.has(Number(match[1]))) {
    openConversation(Number(match[1]), { push: false, at: at ? Number(at) : null });
  } else {
    location.reload();
  }
});

let scrollQueued = false;
els.scroll.addEventListener("scroll", () => {
  if (scrollQueued) return;
  scrollQueued = true;
  requestAnimationFrame(() => {
    scrollQueued = false;
    pane.updateJump();
    markRead();
  });
});
document.addEventListener("visibilitychange", markRead);
addEventListener("focus", markRead);

// --- start ----------------------------------------------------------------------------------

function start() {
  els.app.dataset.connection = "connecting";
  els.title.tabIndex = -1;
  const style = document.createElement("style");
  style.textContent = `.mention[data-user="${Number(view.me.id)}"] { background: var(--mention-me); color: var(--mention-me-text); }`;
  document.head.append(style);
  els.log.querySelectorAll("time").forEach(localiseTime);
  pane.setupMarkers();
  const c = state.conversations.get(state.current);
  pane.reset(state.current);
  if (state.draft) pane.draftName = state.draft.user.name;
  if (c && data.history) {
    pane.show(data.history, {
      anchor: data.history.anchor ?? null,
      lastReadSeq: data.history.anchor == null ? c.last_read_seq : null,
    });
    // Resume from the stream position the page was read at: everything since arrives,
    // new messages and changes to those shown.
    socket.track(c.id, data.history.last_seq);
  }
  showPane(c);
  pane.updateMarkers();
  composer.fit();
  socket.start();
  if (c || state.draft) els.input.focus({ preventScroll: true });
}

start();
