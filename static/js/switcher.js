// The quick switcher: Ctrl+K (⌘K) opens a dialog to jump to any conversation or person
// by typing. Conversations match on their title (any word's start, any case); people
// come from the people search (GET /api/v1/users?q=), and choosing one opens your direct
// conversation with them (or a draft of its first message).
//
// Opened by the list's "New message" button, it offers people only, under that title.
//
// An ARIA combobox: the text box owns a listbox; the arrow keys move the active option
// (aria-activedescendant), Enter opens it, Escape closes the dialog.

import { h } from "./dom.js";

const MAX_CONVERSATIONS = 8;

export class Switcher {
  /**
   * @param {object} app the chat page: conversations(), openConversation(id)
   */
  constructor(app) {
    this.app = app;
    this.active = 0;
    this.options = [];
    this.seq = 0;
    this.input = h("input", {
      type: "text",
      id: "sw-input",
      role: "combobox",
      "aria-expanded": "true",
      "aria-controls": "sw-list",
      "aria-autocomplete": "list",
      autocomplete: "off",
      placeholder: "A conversation or a person",
    });
    this.list = h("ul", { id: "sw-list", role: "listbox", "aria-label": "Matches" });
    this.title = h("h2", { id: "sw-title" }, "Jump to");
    this.label = h("label", { for: "sw-input", class: "visually-hidden" }, "Jump to a conversation or person");
    this.peopleOnly = false;
    this.dialog = h(
      "dialog",
      { class: "sw-dialog", "aria-labelledby": "sw-title" },
      this.title,
      this.label,
      this.input,
      this.list,
      h("p", { class: "help" }, "↑ ↓ to choose, Enter to open, Esc to close."),
    );
    document.body.append(this.dialog);
    this.input.addEventListener("input", () => this.search());
    this.input.addEventListener("keydown", (event) => this.key(event));
    this.list.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]");
      if (option) this.choose(Number(option.dataset.index));
    });
    this.dialog.addEventListener("click", (event) => {
      if (event.target === this.dialog) this.dialog.close(); // the backdrop
    });
    document.addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k") {
        event.preventDefault();
        this.open();
      }
    });
  }

  /** Open the dialog; with `peopleOnly`, as "New message": people only. */
  open({ peopleOnly = false } = {}) {
    if (this.dialog.open) return;
    this.peopleOnly = peopleOnly;
    this.title.textContent = peopleOnly ? "New message" : "Jump to";
    this.label.textContent = peopleOnly ? "To whom: a name or username" : "Jump to a conversation or person";
    this.input.placeholder = peopleOnly ? "A person's name or username" : "A conversation or a person";
    this.input.value = "";
    this.dialog.showModal();
    this.search();
  }

  async search() {
    const query = this.input.value.trim().toLowerCase();
    const seq = ++this.seq;
    const words = (text) => text.toLowerCase().split(/[\s›#,]+/);
    const conversations = this.peopleOnly
      ? []
      : this.app
      .conversations()
      .filter((c) => !query || c.title.toLowerCase().startsWith(query) || words(c.title).some((w) => w.startsWith(query)))
      .slice(0, MAX_CONVERSATIONS)
      .map((c) => ({ kind: "conversation", id: c.id, label: c.title }));
    this.show(conversations);
    if (!query) return;
    try {
      const response = await fetch(`/api/v1/users?limit=6&q=${encodeURIComponent(query)}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok || seq !== this.seq) return;
      const direct = new Set(
        this.app
          .conversations()
          .filter((c) => c.kind === "direct")
          .map((c) => c.people[0]?.id),
      );
      const people = (await response.json()).people
        .filter((p) => !direct.has(p.id) || !conversations.some((c) => c.label === p.name))
        .map((p) => ({ kind: "person", username: p.username, label: `${p.name} (@${p.username})` }));
      this.show([...conversations, ...people]);
    } catch {
      // offline: the conversations are enough
    }
  }

  show(options) {
    this.options = options;
    this.active = Math.min(this.active, Math.max(0, options.length - 1));
    if (!options.length) {
      const empty = this.peopleOnly && !this.input.value.trim() ? "Type a few letters of their name." : "Nothing matches.";
      this.list.replaceChildren(h("li", { class: "sw-none", role: "presentation" }, empty));
      this.input.removeAttribute("aria-activedescendant");
      return;
    }
    this.list.replaceChildren(
      ...options.map((option, index) =>
        h(
          "li",
          {
            id: `sw-option-${index}`,
            role: "option",
            "data-index": index,
            "aria-selected": String(index === this.active),
          },
          h("span", { class: "sw-kind" }, option.kind === "person" ? "Person" : "Chat"),
          " ",
          option.label,
        ),
      ),
    );
    this.input.setAttribute("aria-activedescendant", `sw-option-${this.active}`);
  }

  key(event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!this.options.length) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.active = (this.active + step + this.options.length) % this.options.length;
      this.show(this.options);
      this.list.querySelector(`#sw-option-${this.active}`)?.scrollIntoView({ block: "nearest" });
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (this.options.length) this.choose(this.active);
    }
  }

  choose(index) {
    const option = this.options[index];
    if (!option) return;
    this.dialog.close();
    if (option.kind === "conversation") this.app.openConversation(option.id);
    else location.assign(`/chat/?to=${encodeURIComponent(option.username)}`);
  }
}
