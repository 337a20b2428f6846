// The video rooms page (templates/calls/video_rooms.html): the calls going on in the
// conversations you are in (GET /api/v1/calls), each with who is in it and a Join link
// that opens the conversation and joins the call (/chat/<id>/?call=<call id>). The list
// follows call.updated over the page's socket, and is fetched again after a reconnect.

import { avatar, h } from "../dom.js";
import { ParleySocket } from "../socket.js";
import { listOf } from "./view.js";

const data = JSON.parse(document.getElementById("video-rooms-data").textContent);
const box = document.getElementById("video-rooms");
/** @type {Map<number, object>} calls by id */
const calls = new Map();
/** @type {Map<number, object>} conversation summaries by id (titles, rooms) */
const conversations = new Map();

async function getJson(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

async function load() {
  try {
    const [live, mine] = await Promise.all([getJson("/api/v1/calls"), getJson("/api/v1/conversations")]);
    for (const c of mine.conversations) conversations.set(c.id, c);
    calls.clear();
    for (const call of live.calls) calls.set(call.id, call);
    render();
  } catch {
    // offline: the socket's banner says so, and the next connection loads again
  }
}

function titleOf(call) {
  const c = conversations.get(call.conversation);
  if (!c) return "A conversation";
  return c.title;
}

function whereOf(call) {
  const c = conversations.get(call.conversation);
  if (!c) return "";
  if (c.kind === "chat") return "Room chat";
  if (c.kind === "group") return "Group conversation";
  return "Direct conversation";
}

/** "Alice Liddell is in it", "you are in it", "3 people: you, Bob Marley and Carol". */
function inIt(names) {
  if (!names.length) return "ringing";
  if (names.length === 1) return `${names[0]} ${names[0] === "you" ? "are" : "is"} in it`;
  return `${names.length} people: ${listOf(names)}`;
}

function render() {
  box.setAttribute("aria-busy", "false");
  const live = [...calls.values()].filter((call) => call.status !== "ended");
  live.sort((a, b) => Date.parse(b.started_at) - Date.parse(a.started_at));
  if (!live.length) {
    box.replaceChildren(h("p", { class: "help" }, "No calls going on right now. Start one from a conversation's header in Chat."));
    return;
  }
  box.replaceChildren(
    h(
      "ul",
      { class: "video-rooms", "aria-label": "Calls going on" },
      live.map((call) => {
        const title = titleOf(call);
        const names = call.participants.map((p) => (p.user.id === data.me ? "you" : p.user.name));
        return h(
          "li",
          { "data-call": call.id },
          h("div", { class: "video-room-people", "aria-hidden": "true" }, call.participants.slice(0, 4).map((p) => avatar(p.user, data.colours))),
          h(
            "div",
            { class: "video-room-text" },
            h("h2", {}, title),
            h(
              "p",
              {},
              `${call.kind === "video" ? "Video" : "Voice"} call · ${whereOf(call)} · `,
              inIt(names),
            ),
          ),
          h(
            "a",
            { class: "button", href: `/chat/${call.conversation}/?call=${call.id}`, "aria-label": `Join the call in ${title}` },
            "Join",
          ),
        );
      }),
    ),
  );
}

const socket = new ParleySocket({ loginUrl: data.urls.login, banner: document.getElementById("vr-banner") });
socket.addEventListener("frame", ({ detail: frame }) => {
  if (frame.type === "call.updated" || frame.type === "call.ring") {
    if (frame.call.status === "ended") calls.delete(frame.call.id);
    else calls.set(frame.call.id, frame.call);
    if (!conversations.has(frame.call.conversation)) load();
    else render();
  } else if (frame.type === "membership.changed") {
    load();
  }
});
socket.addEventListener("status", ({ detail }) => {
  if (detail.connected) load();
});
socket.start();
