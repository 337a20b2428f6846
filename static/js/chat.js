// The chat page: takes over the server-rendered list, pane and composer and keeps them
// live over the WebSocket (socket.js). See docs/protocol.md for the frames.
//
// The pane holds an unbroken run of a conversation's messages, seqs first..last, in seq
// order. A message is placed only when it is the next one (last + 1); anything at or
// below `last` is already there and ignored. Your own messages show at once, below the
// others, as "Sending…"; the ack (or the message itself, whichever comes first) puts them
// in their place. A send that fails keeps its text and offers Retry, which resends with
// the same client_id, so the server can never store it twice.

import { avatar, h, localiseTime, newClientId, setMessageHtml, timeElement } from "./dom.js";
import { ParleySocket } from "./socket.js";

const PAGE = 50;
const CATCH_UP_PAGE = 100;
const ACK_TIMEOUT_MS = 20_000;
const NEAR_BOTTOM_PX = 80;
const CONTINUATION_MS = 5 * 60 * 1000;
const PREVIEW_CHARS = 140;
const MAX_CHARS = 10_000;

const data = JSON.parse(document.getElementById("chat-data").textContent);
const palette = data.colours;

const $ = (id) => document.getElementById(id);
const els = {
  app: $("chat-app"),
  banner: $("ch-banner"),
  list: $("ch-list"),
  back: $("ch-back"),
  title: $("ch-pane-title"),
  sub: $("ch-pane-sub"),
  empty: $("ch-empty"),
  scroll: $("ch-scroll"),
  start: $("ch-log-start"),
  log: $("ch-log"),
  end: $("ch-log-end"),
  note: $("ch-note"),
  composer: $("ch-composer"),
  input: $("ch-input"),
  label: $("ch-input-label"),
  error: $("ch-error"),
};

const state = {
  me: data.me,
  /** @type {Map<number, object>} conversation summaries, as in `hello` */
  conversations: new Map(data.conversations.map((c) => [c.id, c])),
  /** conversation ids, most recent activity first */
  order: data.conversations.map((c) => c.id),
  current: data.current,
  draft: data.draft, // {user, allowed} while writing a first direct message
  gone: false, // you left (or were removed from) the open conversation
  archivedRooms: new Set(data.archived_rooms), // readable, closed to new messages
  pane: newPane(data.page.first, data.page.last),
  openToken: 0,
  /** @type {Map<string, object>} sends not yet acked, by client_id */
  outbox: new Map(),
};

function newPane(first, last) {
  return {
    first,
    last,
    following: true, // the pane keeps up with new messages as they come
    loading: false,
    held: [], // messages that arrived while the pane was loading
    acked: new Map(), // seq → your own message element, acked but not yet next in line
    olderLoading: false,
    newerLoading: false,
  };
}

const socket = new ParleySocket({
  loginUrl: data.urls.login,
  banner: els.banner,
  wantsHistory: (id) => id === state.current,
});

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

function unread(c) {
  return Math.max(0, c.last_seq - c.last_read_seq);
}

function renderList() {
  const focused = els.list.contains(document.activeElement)
    ? document.activeElement.closest("[data-conversation]")?.dataset.conversation
    : null;
  const rooms = new Map();
  const personal = [];
  for (const id of state.order) {
    const c = state.conversations.get(id);
    if (!c) continue;
    if (c.kind === "chat" && c.room) {
      if (!rooms.has(c.room.id)) rooms.set(c.room.id, { room: c.room, chats: [] });
      rooms.get(c.room.id).chats.push(c);
    } else {
      personal.push(c);
    }
  }
  const sections = [];
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
  els.list.replaceChildren(...sections);
  if (focused) els.list.querySelector(`[data-conversation="${focused}"] a`)?.focus();
}

function listItem(c) {
  const count = unread(c);
  let picture = null;
  if (c.kind !== "chat") {
    picture =
      c.people.length === 1
        ? avatar(c.people[0], palette)
        : h("span", { class: "avatar ch-avatar-group", "aria-hidden": "true" }, String(c.people.length + 1));
  }
  const title =
    c.kind === "chat" ? [h("span", { class: "ch-hash", "aria-hidden": "true" }, "#"), c.chat] : [c.title];
  const preview = c.preview
    ? h(
        "span",
        { class: "ch-conv-preview" },
        `${c.preview.sender_id === state.me.id ? "You" : c.preview.sender}: ${c.preview.text}`,
      )
    : null;
  return h(
    "li",
    { "data-conversation": c.id },
    h(
      "a",
      {
        class: count ? "ch-conv has-unread" : "ch-conv",
        href: `${data.urls.chat}${c.id}/`,
        "aria-current": c.id === state.current ? "page" : null,
      },
      picture,
      h("span", { class: "ch-conv-text" }, h("span", { class: "ch-conv-title" }, title), preview),
      count ? h("span", { class: "badge", "aria-label": `${count} unread` }, String(count)) : null,
    ),
  );
}

function moveToTop(id) {
  state.order = [id, ...state.order.filter((other) => other !== id)];
}

function previewOf(message) {
  const text = message.body.split(/\s+/).filter(Boolean).join(" ");
  return {
    sender: message.sender.name,
    sender_id: message.sender.id,
    text: text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text,
  };
}

// --- messages in the pane -------------------------------------------------------------

const pendingBox = h("div", { class: "ch-pending" });

function messageElement(message) {
  const body = h("div", { class: "ch-msg-body" });
  setMessageHtml(body, message.html);
  return h(
    "article",
    { class: "ch-msg", "data-seq": message.seq, "data-sender": message.sender.id },
    h("div", { class: "ch-msg-avatar" }, avatar(message.sender, palette)),
    h(
      "header",
      { class: "ch-msg-head" },
      h("span", { class: "ch-msg-sender" }, message.sender.name),
      " ",
      timeElement(message.created_at),
    ),
    body,
  );
}

/** Your message as you wrote it, before the server has it: plain text, "Sending…". */
function pendingElement(entry) {
  return h(
    "article",
    { class: "ch-msg is-pending", "data-sender": state.me.id, "data-client-id": entry.clientId },
    h("div", { class: "ch-msg-avatar" }, avatar(state.me, palette)),
    h(
      "header",
      { class: "ch-msg-head" },
      h("span", { class: "ch-msg-sender" }, state.me.name),
      " ",
      timeElement(new Date().toISOString()),
    ),
    h("div", { class: "ch-msg-body ch-msg-plain" }, entry.body),
    h("p", { class: "ch-msg-state" }, "Sending…"),
  );
}

function showEntryState(entry, reason = "") {
  const element = entry.element;
  const line = element.querySelector(".ch-msg-state");
  element.classList.toggle("is-failed", entry.state === "failed");
  element.classList.toggle("is-pending", entry.state === "pending");
  if (entry.state === "failed") {
    line.replaceChildren(
      `Not sent${reason ? `: ${reason}` : "."} `,
      h("button", { type: "button", class: "link", "data-retry": entry.clientId }, "Retry"),
    );
  } else {
    line.replaceChildren("Sending…");
  }
}

function isNearBottom() {
  const s = els.scroll;
  return s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_BOTTOM_PX;
}

function scrollToBottom() {
  els.scroll.scrollTop = els.scroll.scrollHeight;
}

function timeOf(element) {
  return Date.parse(element.querySelector("time")?.getAttribute("datetime") ?? "") || 0;
}

/** Hide the sender line of a message that follows one by the same person shortly before. */
function group(element) {
  if (!element?.classList?.contains("ch-msg")) return;
  const previous = element.previousElementSibling;
  const continued =
    previous?.classList.contains("ch-msg") &&
    previous.dataset.sender === element.dataset.sender &&
    timeOf(element) - timeOf(previous) < CONTINUATION_MS;
  element.classList.toggle("is-continued", Boolean(continued));
}

/** Put a confirmed message at the end of the run (before the pending ones). */
function place(element, seq) {
  const stick = isNearBottom() || element.dataset.sender === String(state.me.id);
  element.dataset.seq = seq;
  els.log.insertBefore(element, pendingBox);
  group(element);
  group(pendingBox.firstElementChild);
  state.pane.last = seq;
  if (stick) scrollToBottom();
}

/** A message of the open conversation, live, replayed or paged. */
function receive(message) {
  const pane = state.pane;
  const mine = message.sender.id === state.me.id;
  if (message.seq <= pane.last) {
    // Already shown; your own may still wait for its html (it was placed by the ack).
    const shown = els.log.querySelector(`.ch-msg[data-seq="${message.seq}"] .ch-msg-plain`);
    if (shown) {
      setMessageHtml(shown, message.html);
      shown.classList.remove("ch-msg-plain");
    }
    return;
  }
  if (message.seq > pane.last + 1) {
    if (mine) settle(message.client_id, message.seq, message.conversation);
    if (pane.following) catchUp();
    return;
  }
  let element = pane.acked.get(message.seq);
  pane.acked.delete(message.seq);
  const entry = mine ? state.outbox.get(message.client_id) : null;
  if (entry) {
    finish(entry);
    element = entry.element;
  }
  if (element) {
    const body = element.querySelector(".ch-msg-body");
    setMessageHtml(body, message.html);
    body.classList.remove("ch-msg-plain");
    element.querySelector(".ch-msg-state")?.remove();
    element.classList.remove("is-pending", "is-failed");
    element.querySelector("time")?.replaceWith(timeElement(message.created_at));
  } else {
    element = messageElement(message);
  }
  place(element, message.seq);
  placeAcked();
}

/** Your acked messages that are now next in line take their place. */
function placeAcked() {
  const pane = state.pane;
  while (pane.acked.has(pane.last + 1)) {
    const seq = pane.last + 1;
    const element = pane.acked.get(seq);
    pane.acked.delete(seq);
    place(element, seq);
  }
}

function finish(entry) {
  clearTimeout(entry.timer);
  state.outbox.delete(entry.clientId);
}

/** The server has your message `clientId` as `seq` (an ack, or the message itself). */
function settle(clientId, seq, conversation) {
  const entry = state.outbox.get(clientId);
  if (!entry) return;
  finish(entry);
  if (!entry.conversation) adoptDraft(conversation);
  entry.conversation = conversation;
  const element = entry.element;
  if (state.current !== conversation || !element.isConnected) return;
  element.classList.remove("is-pending", "is-failed");
  element.querySelector(".ch-msg-state")?.remove();
  if (seq <= state.pane.last) {
    element.remove(); // it is already in the pane, from the message itself
    return;
  }
  state.pane.acked.set(seq, element);
  placeAcked();
}

// --- loading pages --------------------------------------------------------------------

async function fetchPage(id, params) {
  const query = new URLSearchParams(params);
  const response = await fetch(`/api/conversations/${id}/messages/?${query}`, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  if (response.status === 401) socket.goToLogin();
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

const olderButton = h("button", { type: "button", class: "link", "data-load": "older" }, "Load older messages");
const startText = h("p", { class: "ch-log-note" });
const newerButton = h("button", { type: "button", class: "link", "data-load": "newer" }, "Load newer messages");

function updateMarkers() {
  const pane = state.pane;
  const c = state.conversations.get(state.current);
  olderButton.hidden = pane.loading || pane.first <= 1;
  olderButton.textContent = pane.olderLoading ? "Loading older messages…" : "Load older messages";
  startText.hidden = !olderButton.hidden && !pane.loading;
  if (pane.loading) startText.textContent = "Loading…";
  else if (state.draft) startText.textContent = `This is the start of your conversation with ${state.draft.user.name}.`;
  else startText.textContent = "This is the start of the conversation.";
  newerButton.hidden = pane.loading || pane.following || !c || pane.last >= c.last_seq;
}

async function loadOlder() {
  const pane = state.pane;
  if (pane.loading || pane.olderLoading || pane.first <= 1) return;
  const id = state.current;
  const token = state.openToken;
  pane.olderLoading = true;
  updateMarkers();
  let loaded = false;
  try {
    const page = await fetchPage(id, { before: pane.first, limit: PAGE });
    if (token !== state.openToken) return;
    const older = [...page.messages].reverse().filter((m) => m.seq < pane.first);
    const height = els.scroll.scrollHeight;
    const top = els.scroll.scrollTop;
    const oldFirst = els.log.firstElementChild;
    els.log.setAttribute("aria-busy", "true");
    els.log.prepend(...older.map(messageElement));
    for (const element of els.log.querySelectorAll(".ch-msg")) {
      group(element);
      if (element === oldFirst) break;
    }
    els.log.removeAttribute("aria-busy");
    pane.first = older.length ? older[0].seq : 1;
    els.scroll.scrollTop = top + (els.scroll.scrollHeight - height);
    loaded = true;
  } catch {
    showError("Could not load older messages.");
  } finally {
    if (token === state.openToken) {
      pane.olderLoading = false;
      updateMarkers();
      // Still at the top (short messages, tall window): keep filling.
      if (loaded && els.scroll.scrollTop < 200 && pane.first > 1) requestAnimationFrame(() => loadOlder());
    }
  }
}

/** Page forward from the last message in the pane up to the conversation's newest. */
async function catchUp() {
  const pane = state.pane;
  if (pane.loading || pane.newerLoading) return;
  const id = state.current;
  const token = state.openToken;
  pane.newerLoading = true;
  try {
    for (;;) {
      const page = await fetchPage(id, { after: pane.last, limit: CATCH_UP_PAGE });
      if (token !== state.openToken) return;
      const newer = [...page.messages].reverse();
      for (const message of newer) receive(message);
      const c = state.conversations.get(id);
      if (c) c.last_seq = Math.max(c.last_seq, page.last_seq);
      if (!page.has_more || !newer.length) break;
    }
    pane.following = true;
  } catch {
    showError("Could not load newer messages.");
  } finally {
    if (token === state.openToken) {
      pane.newerLoading = false;
      updateMarkers();
      markRead();
    }
  }
}

function setupMarkers() {
  els.start.replaceChildren(olderButton, startText);
  els.end.replaceChildren(newerButton);
  if (!pendingBox.isConnected) els.log.append(pendingBox);
  updateMarkers();
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        if (entry.target === els.start) loadOlder();
        else if (!state.pane.following) catchUp();
      }
    },
    { root: els.scroll, rootMargin: "300px 0px" },
  );
  observer.observe(els.start);
  observer.observe(els.end);
}

/** After opening: scroll to the first unread message (marked "New") or to the bottom. */
function position() {
  const c = state.conversations.get(state.current);
  els.log.querySelector(".ch-unread")?.remove();
  const first = c && unread(c) ? els.log.querySelector(`.ch-msg[data-seq="${c.last_read_seq + 1}"]`) : null;
  if (first && first.previousElementSibling) {
    const divider = h("div", { class: "ch-unread", role: "separator" }, h("span", {}, "New messages"));
    els.log.insertBefore(divider, first);
    group(first);
    els.scroll.scrollTop = divider.offsetTop - 16; // .ch-scroll is positioned
    if (!isNearBottom()) return;
  }
  scrollToBottom();
}

// --- switching conversations -----------------------------------------------------------

function showTitle(c) {
  const title = c ? c.title : state.draft ? state.draft.user.name : "Chat";
  els.title.textContent = title;
  document.title = `${title} · Parley`;
  if (state.draft && !c) els.sub.textContent = `New direct message to @${state.draft.user.username}`;
  else if (c?.kind === "direct" && c.people.length) els.sub.textContent = `@${c.people[0].username}`;
  else if (c?.kind === "group") els.sub.textContent = `${c.people.length + 1} people`;
  else els.sub.textContent = "";
  els.label.textContent = `Message ${title}`;
}

function showPane(c) {
  showTitle(c);
  const open = Boolean(c || state.draft);
  els.empty.hidden = open;
  els.scroll.hidden = !open;
  showComposer();
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

async function openConversation(id, { push = true } = {}) {
  const c = state.conversations.get(id);
  if (!c) {
    location.assign(`${data.urls.chat}${id}/`);
    return;
  }
  els.app.dataset.show = "pane";
  if (id === state.current && !state.pane.loading) return;
  state.current = id;
  state.draft = null;
  state.gone = false;
  if (push) history.pushState({ conversation: id }, "", `${data.urls.chat}${id}/`);
  const token = ++state.openToken;
  state.pane = newPane(1, 0);
  state.pane.loading = true;
  showPane(c);
  renderList();
  clearError();
  els.log.replaceChildren(pendingBox);
  pendingBox.replaceChildren();
  updateMarkers();
  let page;
  try {
    page = await fetchPage(id, { anchor: "first_unread", limit: PAGE });
  } catch {
    if (token === state.openToken) showError("Could not load this conversation; try again.");
    return;
  }
  if (token !== state.openToken) return;
  const messages = [...page.messages].reverse();
  const pane = state.pane;
  els.log.setAttribute("aria-busy", "true");
  els.log.prepend(...messages.map(messageElement));
  els.log.querySelectorAll(".ch-msg").forEach(group);
  pane.first = messages.length ? messages[0].seq : 1;
  pane.last = messages.length ? messages[messages.length - 1].seq : 0;
  c.last_seq = Math.max(c.last_seq, page.last_seq);
  c.last_read_seq = Math.max(c.last_read_seq, page.last_read_seq);
  pane.following = pane.last >= c.last_seq;
  pane.loading = false;
  for (const message of pane.held.sort((a, b) => a.seq - b.seq)) receive(message);
  pane.held = [];
  for (const entry of state.outbox.values()) {
    if (entry.conversation === id) pendingBox.append(entry.element);
  }
  els.log.removeAttribute("aria-busy");
  updateMarkers();
  position();
  if (!els.list.checkVisibility?.()) els.title.focus();
  markRead();
}

/** The first direct message created conversation `id`: the draft pane becomes it. */
function adoptDraft(id) {
  if (!state.draft || state.current === id) return;
  state.current = id;
  state.draft = null;
  history.replaceState({ conversation: id }, "", `${data.urls.chat}${id}/`);
  const c = state.conversations.get(id);
  if (c) showTitle(c);
  showComposer();
  updateMarkers();
  renderList();
}

function leaveOpenConversation() {
  state.current = null;
  state.gone = true;
  state.openToken += 1;
  showComposer();
}

// --- sending ------------------------------------------------------------------------------

function submit() {
  const body = els.input.value;
  if (!body.trim() || (!state.current && !state.draft)) return;
  if (body.length > MAX_CHARS) {
    showError(`A message can be at most ${MAX_CHARS.toLocaleString()} characters.`);
    return;
  }
  clearError();
  const entry = {
    clientId: newClientId(),
    body,
    conversation: state.current,
    user: state.current ? null : state.draft.user.id,
    state: "pending",
    element: null,
    timer: 0,
  };
  entry.element = pendingElement(entry);
  state.outbox.set(entry.clientId, entry);
  pendingBox.append(entry.element);
  group(entry.element);
  els.input.value = "";
  fitInput();
  scrollToBottom();
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
  if (socket.send(frame)) {
    entry.timer = setTimeout(() => fail(entry, "the server did not answer"), ACK_TIMEOUT_MS);
  }
}

function fail(entry, reason) {
  clearTimeout(entry.timer);
  entry.state = "failed";
  showEntryState(entry, reason);
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

function showError(text) {
  els.error.textContent = text;
}

function clearError() {
  els.error.textContent = "";
}

function fitInput() {
  els.input.style.height = "auto";
  els.input.style.height = `${Math.min(els.input.scrollHeight + 2, 200)}px`;
}

// --- read markers -------------------------------------------------------------------------

/** Tell the server you have read the newest message, if the pane shows it and the tab
 * is visible. */
function markRead() {
  const id = state.current;
  const c = state.conversations.get(id);
  if (!c || state.pane.loading || document.visibilityState !== "visible") return;
  if (state.pane.last < c.last_seq || c.last_read_seq >= state.pane.last) return;
  if (!newestIsVisible()) return;
  if (!socket.send({ type: "read", conversation: id, seq: state.pane.last })) return;
  c.last_read_seq = state.pane.last;
  scheduleList();
}

function newestIsVisible() {
  if (!els.scroll.getClientRects().length) return false; // the pane is hidden (phone list)
  const newest = pendingBox.previousElementSibling;
  if (!newest) return true;
  const box = els.scroll.getBoundingClientRect();
  const rect = newest.getBoundingClientRect();
  return rect.top < box.bottom - 8 && rect.bottom > box.top;
}

// --- frames from the server -------------------------------------------------------------

function onMessage(frame) {
  const message = frame.message;
  const c = state.conversations.get(frame.conversation);
  if (c) {
    if (message.seq > c.last_seq) {
      c.last_seq = message.seq;
      c.last_message_at = message.created_at;
      c.preview = previewOf(message);
      moveToTop(c.id);
    }
    if (message.sender.id === state.me.id) c.last_read_seq = Math.max(c.last_read_seq, message.seq);
    scheduleList();
  }
  if (frame.conversation !== state.current) {
    if (message.sender.id === state.me.id) settle(message.client_id, message.seq, frame.conversation);
    return;
  }
  if (state.pane.loading) state.pane.held.push(message);
  else receive(message);
  markRead();
}

function onHello(frame) {
  state.me = frame.user;
  state.conversations = new Map(frame.conversations.map((c) => [c.id, c]));
  state.order = frame.conversations.map((c) => c.id);
  if (state.current && !state.conversations.has(state.current)) leaveOpenConversation();
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
  scheduleList();
}

/** A chat or its room was renamed, moved or (un)archived. */
function onUpdated(frame) {
  const c = state.conversations.get(frame.conversation);
  if (!c) return;
  c.title = frame.title;
  if (frame.chat != null) c.chat = frame.chat;
  if (frame.room) {
    c.room = { id: frame.room.id, slug: frame.room.slug, title: frame.room.title };
    if (frame.room.archived) state.archivedRooms.add(frame.room.id);
    else state.archivedRooms.delete(frame.room.id);
  }
  if (frame.conversation === state.current) {
    showTitle(c);
    showComposer();
  }
  scheduleList();
}

function onGap(frame) {
  // The socket pages the open conversation's gap; elsewhere only the count moves.
  const c = state.conversations.get(frame.conversation);
  if (c && frame.to > c.last_seq) {
    c.last_seq = frame.to;
    scheduleList();
  }
}

socket.addEventListener("frame", ({ detail: frame }) => {
  switch (frame.type) {
    case "hello":
      onHello(frame);
      break;
    case "message":
      onMessage(frame);
      break;
    case "ack":
      settle(frame.client_id, frame.seq, frame.conversation);
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
  }
});

socket.addEventListener("status", ({ detail }) => {
  els.app.dataset.connection = detail.connected ? "online" : "offline";
  if (!detail.connected) return;
  // Whatever waited for the connection goes now, oldest first, with its own client_id.
  for (const entry of state.outbox.values()) {
    if (entry.state === "pending") transmit(entry);
  }
  markRead();
});

// --- wiring ---------------------------------------------------------------------------------

els.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  submit();
});

els.input.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  event.preventDefault();
  submit();
});

els.input.addEventListener("input", fitInput);

els.log.addEventListener("click", (event) => {
  const retry = event.target.closest("[data-retry]");
  if (!retry) return;
  const entry = state.outbox.get(retry.dataset.retry);
  if (entry) {
    clearError();
    transmit(entry);
  }
});

olderButton.addEventListener("click", () => loadOlder());
newerButton.addEventListener("click", () => catchUp());

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
  const link = els.list.querySelector('[aria-current="page"]') || els.list.querySelector("a");
  link?.focus();
});

addEventListener("popstate", () => {
  const match = location.pathname.match(/\/(\d+)\/$/);
  if (match && state.conversations.has(Number(match[1]))) {
    openConversation(Number(match[1]), { push: false });
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
    markRead();
  });
});
document.addEventListener("visibilitychange", markRead);
addEventListener("focus", markRead);

// --- start ----------------------------------------------------------------------------------

function start() {
  els.app.dataset.connection = "connecting";
  els.title.tabIndex = -1;
  els.log.querySelectorAll("time").forEach(localiseTime);
  setupMarkers();
  const c = state.conversations.get(state.current);
  if (c) {
    state.pane.following = state.pane.last >= c.last_seq;
    // Resume from what the page shows, so that anything sent since it was rendered
    // arrives; a pane that is not at the newest message pages forward instead.
    socket.track(c.id, state.pane.following ? state.pane.last : c.last_seq);
    position();
  }
  updateMarkers();
  fitInput();
  socket.start();
  if (c || state.draft) els.input.focus({ preventScroll: true });
}

start();
