// How one message looks in the pane, built from the message dict of docs/protocol.md.
// People's text goes in as text; only the server's sanitised `html` goes in as HTML.
//
// An article carries what the pane and the menus need in data attributes: id, seq,
// updated (the stream seq of its last change: an update older than that is ignored),
// sender and at (created, in ms). The message dict itself is kept in `messageOf`.

import { attachmentsElement } from "./attachments.js";
import { icon } from "./calls/icons.js";
import { avatar, excerpt, h, setMessageHtml, textOf, timeElement } from "./dom.js";

/** @type {WeakMap<Element, object>} article → the message dict it shows */
export const messageOf = new WeakMap();

/** The seq of a message's last change (older servers: its own seq). */
export function updatedSeq(message) {
  return message.updated_seq ?? message.seq;
}

/** Whether `message` is a placeholder (deleted, or moved elsewhere) rather than text. */
export function isGone(message) {
  return Boolean(message.deleted || message.moved_to);
}

export function chatUrl(conversation, params = {}) {
  const query = new URLSearchParams(params).toString();
  return `/chat/${conversation}/${query ? `?${query}` : ""}`;
}

/**
 * The <article> of one message.
 * @param {object} message the message dict
 * @param {{me: object, palette: string[]}} view who reads (for mentions) and avatar colours
 */
export function messageElement(message, view) {
  const mine = message.sender.id === view.me.id;
  const classes = ["ch-msg"];
  if (mine) classes.push("is-mine");
  if (message.deleted) classes.push("is-deleted");
  if (message.moved_to) classes.push("is-moved");
  if (!isGone(message) && (message.mentions || []).includes(view.me.id)) classes.push("mentions-me");
  const article = h(
    "article",
    {
      class: classes.join(" "),
      id: `m-${message.id}`,
      "data-id": message.id,
      "data-seq": message.seq,
      "data-updated": updatedSeq(message),
      "data-sender": message.sender.id,
      "data-at": Date.parse(message.created_at) || 0,
      tabindex: "-1",
      "aria-labelledby": `m-${message.id}-who`,
    },
    h(
      "div",
      { class: "ch-msg-avatar" },
      avatar(message.sender, view.palette),
      view.presence && message.sender.id !== view.me.id ? view.presence.dot(message.sender.id) : null,
    ),
    header(message),
    message.reply_to && !isGone(message) ? replyQuote(message.reply_to) : null,
    body(message),
    isGone(message) ? null : attachmentsElement(message),
    editedMark(message),
    message.moved_from && !isGone(message)
      ? h("p", { class: "ch-msg-note" }, `Moved here from ${message.moved_from.title}`)
      : null,
    isGone(message) ? null : reactions(message, view.me.id),
  );
  messageOf.set(article, message);
  return article;
}

function header(message) {
  return h(
    "header",
    { class: "ch-msg-head" },
    h("span", { class: "ch-msg-sender", id: `m-${message.id}-who` }, message.sender.name),
    " ",
    message.sender.bot && [h("span", { class: "tag", title: "A bot: a script posts as it" }, "bot"), " "],
    h("a", { class: "ch-msg-time", href: chatUrl(message.conversation, { at: message.seq }), tabindex: "-1" }, timeElement(message.created_at)),
  );
}

/** "(edited)" under an edited message: a button that shows the earlier versions. */
function editedMark(message) {
  if (!message.edited_at || isGone(message)) return null;
  return h(
    "button",
    { type: "button", class: "link ch-edited", "data-action": "edits", "aria-label": "Edited: show earlier versions" },
    "(edited)",
  );
}

/** The quoted message a reply answers: a link that opens it in place. */
export function replyQuote(reply) {
  const text = reply.deleted ? "Original message deleted" : reply.excerpt;
  return h(
    "a",
    {
      class: reply.deleted ? "ch-reply is-deleted" : "ch-reply",
      href: chatUrl(reply.conversation, { at: reply.seq }),
      "data-jump": reply.seq,
      "data-reply": reply.id,
      "aria-label": `Reply to ${reply.sender.name}: ${text}`,
    },
    h("span", { class: "ch-reply-sender", "aria-hidden": "true" }, reply.sender.name),
    " ",
    h("span", { class: "ch-reply-text", "aria-hidden": "true" }, text),
  );
}

function body(message) {
  if (message.deleted) {
    return h("div", { class: "ch-msg-body ch-msg-gone" }, "This message was deleted.");
  }
  if (message.moved_to) {
    const to = message.moved_to;
    return h(
      "div",
      { class: "ch-msg-body ch-msg-gone" },
      "This message was moved to ",
      h("a", { href: chatUrl(to.conversation, { message: to.id }) }, to.title),
      ".",
    );
  }
  if (message.call) return callEntry(message);
  const element = h("div", { class: "ch-msg-body" });
  setMessageHtml(element, message.html);
  return element;
}

/** A call's entry: "Video call", "Call, 12 min", "Missed call" (the server's plain text). */
function callEntry(message) {
  const { status, kind } = message.call;
  return h(
    "div",
    { class: `ch-msg-body ch-msg-call is-${status}` },
    icon(kind === "video" ? "camera" : "phone"),
    " ",
    h("span", {}, message.body),
  );
}

/** "Alice Liddell, Bob Marley and 3 others": who reacted, from the names the server sends. */
function reactedBy(reaction) {
  const names = reaction.names || [];
  const rest = reaction.count - names.length;
  if (!names.length) return "";
  if (rest > 0) return `${names.join(", ")} and ${rest} other${rest > 1 ? "s" : ""}`;
  if (names.length === 1) return names[0];
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

function reactions(message, me) {
  const list = message.reactions || [];
  if (!list.length) return null;
  return h(
    "div",
    { class: "ch-reactions", role: "group", "aria-label": "Reactions" },
    list.map((reaction) => {
      const mine = reaction.users.includes(me);
      const others = reaction.count - (mine ? 1 : 0);
      const who = mine ? (others ? `you and ${others} other${others > 1 ? "s" : ""}` : "you") : `${reaction.count}`;
      return h(
        "button",
        {
          type: "button",
          class: "ch-reaction",
          "data-emoji": reaction.emoji,
          title: reactedBy(reaction),
          "aria-pressed": mine ? "true" : "false",
          "aria-label": `${reaction.emoji} ${reaction.count}: ${mine ? `${who}; press to remove yours` : `${who}; press to add yours`}`,
        },
        h("span", { "aria-hidden": "true" }, reaction.emoji),
        " ",
        h("span", { class: "ch-reaction-count", "aria-hidden": "true" }, String(reaction.count)),
      );
    }),
  );
}

/** Your message as you wrote it, before the server has it: plain text, "Sending…". */
export function pendingElement(entry, view) {
  return h(
    "article",
    { class: "ch-msg is-mine is-pending", "data-sender": view.me.id, "data-client-id": entry.clientId, "data-at": Date.now() },
    h("div", { class: "ch-msg-avatar" }, avatar(view.me, view.palette)),
    h(
      "header",
      { class: "ch-msg-head" },
      h("span", { class: "ch-msg-sender" }, view.me.name),
      " ",
      timeElement(new Date().toISOString()),
    ),
    entry.replyTo ? replyQuote(entry.replyTo) : null,
    h("div", { class: "ch-msg-body ch-msg-plain" }, entry.body),
    h("p", { class: "ch-msg-state" }, "Sending…"),
  );
}

/** What a reply quote shows of `message` (the server sends the same in reply_to). */
export function quoteOf(message) {
  return {
    id: message.id,
    conversation: message.conversation,
    seq: message.seq,
    sender: message.sender,
    excerpt: message.deleted ? "" : excerpt(textOf(message)),
    deleted: Boolean(message.deleted),
  };
}
