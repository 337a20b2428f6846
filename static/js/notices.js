// What waits for the user's answer, live on the chat page: room invitations (an entry in
// the conversation list with Accept and Decline, and the Rooms badge) and incoming friend
// requests (the Friends badge). The page starts from chat-data's `invites` and
// `incoming_requests`; the socket's invite.* and friend.* events (docs/protocol.md) keep
// them current, so nothing arrives unseen.
//
// Accept and Decline are forms posting to the room pages (they work without script);
// here they go through the API instead and the page stays where it is. Accepting opens
// the room's chat as soon as its membership.changed arrives.

import { csrfToken, h } from "./dom.js";

export class Notices {
  /**
   * @param {object} app the chat page: view ({me}), announce(text), showError(text),
   *   openRoom(roomId) (opens a room's chat once the page has it)
   * @param {object} data chat-data: invites, incoming_requests
   */
  constructor(app, data) {
    this.app = app;
    /** @type {Map<number, object>} pending invitations by id */
    this.invites = new Map((data.invites || []).map((i) => [i.id, i]));
    /** @type {Map<number, number>} incoming friend request id → sender id */
    this.requests = new Map((data.incoming_requests || []).map((r) => [r.id, r.from]));
    this.box = document.getElementById("ch-invites");
    this.box.addEventListener("submit", (event) => this.answer(event));
    this.render();
  }

  /** A frame from the socket: true if it was one of ours. */
  receive(frame) {
    const me = this.app.view.me.id;
    switch (frame.type) {
      case "invite.received":
        this.invites.set(frame.invite.id, frame.invite);
        this.app.announce(`${frame.invite.invited_by.name} invited you to ${frame.invite.room.title}.`);
        break;
      case "invite.removed":
        this.invites.delete(frame.invite);
        break;
      case "friend.request_received":
        if (frame.request.to.id !== me) return true;
        this.requests.set(frame.request.id, frame.request.from.id);
        this.app.announce(`${frame.request.from.name} asked to be your friend.`);
        break;
      case "friend.request_cancelled":
      case "friend.request_declined":
        this.requests.delete(frame.request.id);
        break;
      case "friend.added":
        // Accepted (here or on another device): their request is answered.
        for (const [id, from] of this.requests) if (from === frame.user.id) this.requests.delete(id);
        break;
      default:
        return false;
    }
    this.render();
    return true;
  }

  render() {
    setBadge("nav-rooms-badge", this.invites.size, (n) => `${n} invitation${n === 1 ? "" : "s"}`);
    setBadge("nav-friends-badge", this.requests.size, (n) => `${n} new request${n === 1 ? "" : "s"}`);
    const invites = [...this.invites.values()];
    this.box.hidden = !invites.length;
    if (!invites.length) {
      this.box.replaceChildren();
      return;
    }
    this.box.replaceChildren(
      h("h2", { id: "ch-invites-h" }, "Invitations"),
      h("ul", { class: "ch-invite-list", "aria-labelledby": "ch-invites-h" }, invites.map((i) => this.item(i))),
    );
  }

  item(invite) {
    const form = (verb, label, extra) =>
      h(
        "form",
        { method: "post", action: `/rooms/invites/${invite.id}/${verb}/`, "data-invite": invite.id, "data-verb": verb },
        h("input", { type: "hidden", name: "csrfmiddlewaretoken", value: csrfToken() }),
        h("button", { type: "submit", class: extra, "aria-label": `${label} the invitation to ${invite.room.title}` }, label),
      );
    return h(
      "li",
      { class: "ch-invite", "data-invite": invite.id },
      h(
        "p",
        {},
        h("span", { class: "ch-lock", "aria-hidden": "true" }),
        h("strong", {}, invite.room.title),
        h("span", { class: "ch-invite-by" }, ` from ${invite.invited_by.name}`),
      ),
      h("div", { class: "ch-invite-actions" }, form("accept", "Accept", "small"), form("decline", "Decline", "secondary small")),
    );
  }

  async answer(event) {
    const form = event.target.closest("form[data-invite]");
    if (!form) return;
    event.preventDefault();
    const id = Number(form.dataset.invite);
    const verb = form.dataset.verb;
    const invite = this.invites.get(id);
    for (const button of form.parentElement.querySelectorAll("button")) button.disabled = true;
    let response;
    try {
      response = await fetch(`/api/v1/rooms/invites/${id}/${verb}`, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
      });
    } catch {
      response = null;
    }
    if (!response?.ok) {
      for (const button of form.parentElement.querySelectorAll("button")) button.disabled = false;
      let text = "You are offline; try again when the connection is back.";
      if (response) text = (await response.json().catch(() => ({}))).message || `The server answered ${response.status}.`;
      this.app.showError(text);
      return;
    }
    this.invites.delete(id);
    this.render();
    if (verb === "accept" && invite) this.app.openRoom(invite.room.id);
    else this.app.announce("Invitation declined.");
  }
}

function setBadge(id, count, label) {
  const badge = document.getElementById(id);
  if (!badge) return;
  badge.textContent = String(count);
  badge.setAttribute("aria-label", label(count));
  badge.hidden = !count;
}
