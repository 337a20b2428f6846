// What you can do to a message: one toolbar (React, Reply, More actions) that moves to
// the message under the pointer or holding the focus, a menu of further actions (Edit,
// Delete, Copy link, Move, earlier versions), the emoji picker, reaction chips and the
// dialogs these need. Everything is delegated from the log: no listener per message.
//
// Keyboard: in the log, Up/Down move between messages (focus shows the toolbar), Tab
// reaches its buttons; menus take Up/Down/Home/End, Escape closes them.

import { h, setMessageHtml, timeElement } from "./dom.js";
import { chatUrl, isGone, messageOf } from "./messages.js";

export const QUICK_EMOJI = ["👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀"];

export class MessageMenu {
  /**
   * @param {object} app the chat page: els, view, pane, composer, request(frame),
   *   conversation() (the open summary), conversations (all summaries), showError, announce
   */
  constructor(app) {
    this.app = app;
    this.log = app.els.log;
    this.target = null; // the article the toolbar is on
    this.openMenu = null;

    this.reactButton = this.tool("react", "Add reaction", "☺", { "aria-haspopup": "menu", "aria-expanded": "false" });
    this.replyButton = this.tool("reply", "Reply", "↩");
    this.moreButton = this.tool("more", "More actions", "⋯", { "aria-haspopup": "menu", "aria-expanded": "false" });
    this.toolbar = h(
      "div",
      { class: "ch-tools", role: "toolbar", "aria-label": "Message actions" },
      this.reactButton,
      this.replyButton,
      this.moreButton,
    );
    this.emojiMenu = h(
      "div",
      { class: "ch-menu ch-emoji", role: "menu", "aria-label": "Reactions", id: "ch-emoji-menu" },
      QUICK_EMOJI.map((emoji) =>
        h("button", { type: "button", role: "menuitem", tabindex: "-1", "data-emoji": emoji, "aria-label": `React with ${emoji}` }, emoji),
      ),
      // The whole set, searchable (static/js/emoji.js).
      h("button", { type: "button", role: "menuitem", tabindex: "-1", "data-action": "emoji-picker", "aria-label": "More emoji…", title: "More emoji…" }, "＋"),
    );
    this.moreMenu = h("div", { class: "ch-menu", role: "menu", "aria-label": "More actions", id: "ch-more-menu" });
    this.emojiMenu.hidden = true;
    this.moreMenu.hidden = true;
    this.dialog = h("dialog", { class: "ch-dialog", "aria-labelledby": "ch-dialog-title" });
    // The menus inside the page's main landmark (they are placed with position: fixed).
    app.els.app.append(this.emojiMenu, this.moreMenu);
    document.body.append(this.dialog);
    this.status = app.els.status;

    this.log.addEventListener("mouseover", (event) => {
      const article = event.target.closest(".ch-msg[data-id]");
      if (article && article !== this.target && !this.openMenu) this.attach(article);
    });
    this.log.addEventListener("focusin", (event) => {
      const article = event.target.closest(".ch-msg[data-id]");
      if (article && article !== this.target) this.attach(article);
    });
    this.log.addEventListener("click", (event) => this.click(event));
    this.log.addEventListener("keydown", (event) => this.logKeys(event));
    for (const menu of [this.emojiMenu, this.moreMenu]) {
      menu.addEventListener("keydown", (event) => this.menuKeys(event, menu));
      menu.addEventListener("click", (event) => this.menuClick(event));
    }
    document.addEventListener("mousedown", (event) => {
      if (this.openMenu && !this.openMenu.contains(event.target) && !this.toolbar.contains(event.target)) this.closeMenu(false);
    });
  }

  tool(action, label, icon, extra = {}) {
    return h("button", { type: "button", class: "ch-tool", "data-action": action, "aria-label": label, title: label, ...extra }, icon);
  }

  // --- the toolbar -------------------------------------------------------------------------

  /** Put the toolbar on `article` (one toolbar for the whole log). */
  attach(article) {
    const message = messageOf.get(article);
    if (!message || isGone(message)) {
      this.toolbar.remove();
      this.target = null;
      return;
    }
    this.target = article;
    this.replyButton.hidden = !this.app.canSend();
    this.reactButton.hidden = !this.app.canSend();
    // First in the article, so that Tab reaches the actions before the links inside.
    article.querySelector(":scope > .ch-msg-avatar").after(this.toolbar);
  }

  /** The pane replaced a message's article (an update) while the toolbar was on it. */
  reattach(article) {
    if (this.target && !this.target.isConnected) this.attach(article);
  }

  message() {
    return this.target ? messageOf.get(this.target) : null;
  }

  /** The actions allowed on `message` for you (the server checks again). */
  allowed(message) {
    const mine = message.sender.id === this.app.view.me.id;
    const c = this.app.conversation();
    const moderator = Boolean(c?.room && ["owner", "admin"].includes(c.room.role));
    const open = this.app.canSend() && !message.call; // a call's entry cannot be changed
    const otherChats = c?.room ? this.app.conversations().filter((o) => o.kind === "chat" && o.room?.id === c.room.id && o.id !== c.id) : [];
    return {
      edit: mine && open,
      delete: (mine || moderator) && open,
      move: moderator && open && otherChats.length > 0,
      edits: Boolean(message.edited_at),
      otherChats,
    };
  }

  // --- clicks in the log ---------------------------------------------------------------------

  click(event) {
    const chip = event.target.closest(".ch-reaction");
    if (chip) {
      const article = chip.closest(".ch-msg");
      const message = messageOf.get(article);
      if (message) this.react(message, chip.dataset.emoji, chip.getAttribute("aria-pressed") !== "true");
      return;
    }
    const edited = event.target.closest("[data-action=edits]");
    if (edited) {
      const message = messageOf.get(edited.closest(".ch-msg"));
      if (message) this.showEdits(message);
      return;
    }
    const tool = event.target.closest(".ch-tools [data-action]");
    if (!tool) return;
    const message = this.message();
    if (!message) return;
    if (tool.dataset.action === "reply") this.app.composer.replyTo(message);
    else if (tool.dataset.action === "react") this.toggleMenu(this.emojiMenu, tool);
    else if (tool.dataset.action === "more") {
      this.fillMore(message);
      this.toggleMenu(this.moreMenu, tool);
    }
  }

  /** Up/Down from message to message in the log (each article is focusable); Home and
   * End to the first and last shown. */
  logKeys(event) {
    if ((event.key === "Home" || event.key === "End") && !event.target.closest(".ch-tools, a, button, textarea")) {
      const all = this.log.querySelectorAll(":scope > .ch-msg[data-id]");
      const edge = all[event.key === "Home" ? 0 : all.length - 1];
      if (edge) {
        event.preventDefault();
        edge.focus();
      }
      return;
    }
    if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
    if (event.target.closest(".ch-tools, a, button") && event.target !== this.log) return;
    const articles = [...this.log.querySelectorAll(":scope > .ch-msg[data-id]")];
    if (!articles.length) return;
    const current = event.target.closest(".ch-msg[data-id]");
    let index = articles.indexOf(current);
    if (index < 0) index = event.key === "ArrowUp" ? articles.length : -1;
    const next = articles[index + (event.key === "ArrowUp" ? -1 : 1)];
    if (!next) return;
    event.preventDefault();
    next.focus();
  }

  fillMore(message) {
    const can = this.allowed(message);
    const items = [];
    const item = (action, label) => h("button", { type: "button", role: "menuitem", tabindex: "-1", "data-action": action }, label);
    if (can.edit) items.push(item("edit", "Edit"));
    if (can.edits) items.push(item("edits", "Earlier versions"));
    items.push(item("copy", "Copy link"));
    if (can.move) items.push(item("move", "Move to another chat…"));
    if (can.delete) items.push(item("delete", "Delete"));
    this.moreMenu.replaceChildren(...items);
  }

  // --- menus ---------------------------------------------------------------------------------

  toggleMenu(menu, button) {
    if (this.openMenu === menu) {
      this.closeMenu(true);
      return;
    }
    this.closeMenu(false);
    this.openMenu = menu;
    this.menuButton = button;
    this.menuMessage = this.message();
    button.setAttribute("aria-expanded", "true");
    menu.hidden = false;
    const box = button.getBoundingClientRect();
    const width = menu.offsetWidth;
    const height = menu.offsetHeight;
    const left = Math.max(8, Math.min(box.right - width, innerWidth - width - 8));
    const top = box.bottom + height + 8 > innerHeight ? box.top - height - 4 : box.bottom + 4;
    menu.style.left = `${left}px`;
    menu.style.top = `${Math.max(8, top)}px`;
    menu.querySelector("[role=menuitem]")?.focus();
  }

  closeMenu(refocus) {
    const menu = this.openMenu;
    if (!menu) return;
    // Focus first: the toolbar is visible only while its menu is open or it holds the focus.
    if (refocus && this.menuButton?.isConnected) this.menuButton.focus();
    menu.hidden = true;
    this.openMenu = null;
    this.menuButton?.setAttribute("aria-expanded", "false");
  }

  menuKeys(event, menu) {
    const items = [...menu.querySelectorAll("[role=menuitem]")];
    const index = items.indexOf(document.activeElement);
    let next = null;
    if (event.key === "ArrowDown" || event.key === "ArrowRight") next = items[(index + 1) % items.length];
    else if (event.key === "ArrowUp" || event.key === "ArrowLeft") next = items[(index - 1 + items.length) % items.length];
    else if (event.key === "Home") next = items[0];
    else if (event.key === "End") next = items[items.length - 1];
    else if (event.key === "Escape" || event.key === "Tab") {
      event.preventDefault();
      this.closeMenu(true);
      return;
    }
    if (next) {
      event.preventDefault();
      next.focus();
    }
  }

  menuClick(event) {
    const item = event.target.closest("[role=menuitem]");
    const message = this.menuMessage;
    if (!item || !message) return;
    this.closeMenu(true);
    if (item.dataset.emoji) {
      const existing = (message.reactions || []).find((r) => r.emoji === item.dataset.emoji);
      this.react(message, item.dataset.emoji, !existing?.users.includes(this.app.view.me.id));
      return;
    }
    switch (item.dataset.action) {
      case "edit":
        this.app.composer.edit(message);
        break;
      case "edits":
        this.showEdits(message);
        break;
      case "copy":
        this.copyLink(message);
        break;
      case "move":
        this.confirmMove(message);
        break;
      case "delete":
        this.confirmDelete(message);
        break;
      case "emoji-picker":
        this.hold(this.app.emoji.dialog);
        this.app.emoji.open({
          title: "React with an emoji",
          returnFocus: this.target?.querySelector("[data-action=react]") || this.target,
          onPick: (emoji) => {
            const existing = (message.reactions || []).find((r) => r.emoji === emoji);
            if (!existing?.users.includes(this.app.view.me.id)) this.react(message, emoji, true);
          },
        });
        break;
    }
  }

  /** Keep the toolbar shown while `dialog` (opened from it) is open: the focus goes back
   * to its button on close, and a hidden button cannot take it. */
  hold(dialog) {
    const toolbar = this.toolbar;
    toolbar.classList.add("is-held");
    // Registered after the dialog's own close handlers, so it runs after they refocus.
    dialog.addEventListener("close", () => toolbar.classList.remove("is-held"), { once: true });
  }

  // --- actions -------------------------------------------------------------------------------

  async react(message, emoji, on) {
    const reply = await this.app.request({ type: "react", message: message.id, emoji, on });
    if (reply.type !== "done") this.app.showError(reply.message || "Could not change the reaction.");
  }

  async copyLink(message) {
    const link = new URL(chatUrl(message.conversation, { at: message.seq }), location.href).href;
    try {
      await navigator.clipboard.writeText(link);
      this.app.announce("Link copied.");
    } catch {
      this.open("Link to this message", [
        h("label", { for: "ch-link" }, "Copy this link:"),
        h("input", { type: "text", id: "ch-link", readonly: true, value: link }),
      ]);
      this.dialog.querySelector("#ch-link")?.select();
    }
  }

  confirmDelete(message) {
    const mine = message.sender.id === this.app.view.me.id;
    this.open(
      "Delete this message?",
      [h("p", {}, mine ? "It will show as deleted for everyone." : `${message.sender.name}'s message will show as deleted for everyone.`)],
      // Should the toolbar go with the message, the focus stays at its place in the log.
      { label: "Delete", danger: true, place: `m-${message.id}`, run: () => this.app.request({ type: "delete", message: message.id }) },
    );
  }

  confirmMove(message) {
    const { otherChats } = this.allowed(message);
    const select = h(
      "select",
      { id: "ch-move-to", name: "to" },
      otherChats.map((c) => h("option", { value: c.id }, c.title)),
    );
    this.open(
      "Move this message",
      [h("label", { for: "ch-move-to" }, "To chat"), select, h("p", { class: "help" }, "A note here will link to its new place.")],
      { label: "Move", run: () => this.app.request({ type: "move", message: message.id, to: Number(select.value) }) },
    );
  }

  async showEdits(message) {
    this.open("Earlier versions", [h("p", {}, "Loading…")]);
    const content = this.dialog.querySelector(".ch-dialog-body");
    try {
      const response = await fetch(`/api/v1/messages/${message.id}/edits`, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const { versions } = await response.json();
      const items = [...versions].reverse().map((version, index) => {
        const body = h("div", { class: "ch-msg-body" });
        setMessageHtml(body, version.html);
        return h(
          "li",
          {},
          h("p", { class: "ch-version-head" }, index === 0 ? "Current · " : "", timeElement(version.at)),
          body,
        );
      });
      content.replaceChildren(h("ol", { class: "ch-versions", reversed: true }, items));
    } catch {
      content.replaceChildren(h("p", {}, "The earlier versions could not be loaded."));
    }
  }

  /** The one dialog: a title, content, Cancel and (with `action`) a button that runs it. */
  open(title, content, action = null) {
    const error = h("p", { class: "ch-error", role: "alert" });
    const buttons = [h("button", { type: "button", class: "secondary", "data-close": "" }, action ? "Cancel" : "Close")];
    if (action) {
      buttons.push(h("button", { type: "submit", class: action.danger ? "danger" : null }, action.label));
    }
    const form = h(
      "form",
      { method: "dialog" },
      h("h2", { id: "ch-dialog-title" }, title),
      h("div", { class: "ch-dialog-body" }, content),
      error,
      h("div", { class: "ch-dialog-buttons" }, buttons),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!action) return;
      const reply = await action.run();
      if (reply.type === "done") this.dialog.close();
      else error.textContent = reply.message || "That did not work; try again.";
    });
    form.querySelector("[data-close]").addEventListener("click", () => this.dialog.close());
    this.dialog.replaceChildren(form);
    const returnTo = document.activeElement;
    this.hold(this.dialog);
    this.dialog.addEventListener(
      "close",
      () => {
        const place = action?.place ? document.getElementById(action.place) : null;
        if (returnTo?.isConnected && returnTo.checkVisibility()) returnTo.focus();
        else if (place) place.focus();
        else this.app.els.input.focus();
      },
      { once: true },
    );
    if (!this.dialog.open) this.dialog.showModal();
    (form.querySelector("select, input") || form.querySelector("button[type=submit]") || form.querySelector("[data-close]")).focus();
  }
}
