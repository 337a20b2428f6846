// The composer: write (Markdown), preview, @mention autocomplete, reply and edit modes,
// and the typing signal.
//
// Keys: Enter sends, Shift+Enter starts a new line, Up in an empty composer edits your
// last message, Escape closes the suggestions, then cancels a reply or an edit.
// While you type it sends `typing` "start" at most every 3 s, and "stop" when the text
// is sent, emptied or left.

import { csrfToken, excerpt, h, setMessageHtml, textOf } from "./dom.js";
import { isGone, quoteOf } from "./messages.js";

const MAX_CHARS = 10_000;
const TYPING_EVERY_MS = 3_000;
const SUGGEST_DELAY_MS = 120;
const MENTION_BEFORE_CARET = /(^|[\s(])@([\w.+-]{0,32})$/;

export class Composer {
  /**
   * @param {object} app the chat page: els, socket, pane, view, current(), send(entryInit),
   *   showError(text), clearError()
   */
  constructor(app) {
    this.app = app;
    this.els = app.els;
    this.input = app.els.input;
    this.mode = null; // null | {kind: "reply"|"edit", message}
    this.savedDraft = "";
    this.typingSentAt = 0;
    this.typingIn = null;
    this.suggestions = [];
    this.active = -1;
    this.suggestTimer = 0;
    this.suggestToken = 0;
    this.previewing = false;

    const form = this.els.composer;
    this.context = h("div", { class: "ch-context", id: "ch-context", "aria-live": "polite" });
    this.context.hidden = true;
    this.list = h("ul", { class: "ch-suggest", id: "ch-suggest", role: "listbox", "aria-label": "People to mention" });
    this.list.hidden = true;
    this.preview = h("div", { class: "ch-preview ch-msg-body", id: "ch-preview", "aria-live": "polite", "aria-label": "Preview" });
    this.preview.hidden = true;
    this.previewButton = h("button", { type: "button", class: "secondary ch-preview-toggle", "aria-pressed": "false" }, "Preview");
    form.prepend(this.context);
    this.input.after(this.list, this.preview);
    form.querySelector("button[type=submit]").before(this.previewButton);
    this.input.setAttribute("aria-autocomplete", "list");
    this.input.setAttribute("aria-controls", "ch-suggest"); // no aria-expanded: a textbox has none (axe)

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (event) => this.keydown(event));
    this.input.addEventListener("input", () => this.changed());
    this.input.addEventListener("blur", () => {
      this.stopTyping();
      setTimeout(() => this.closeSuggestions(), 150); // a click on a suggestion lands first
    });
    this.input.addEventListener("click", () => this.suggestSoon());
    this.list.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus
    this.list.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]");
      if (option) this.pick(Number(option.dataset.index));
    });
    this.context.addEventListener("click", (event) => {
      if (event.target.closest("[data-cancel]")) this.cancelMode();
    });
    this.previewButton.addEventListener("click", () => this.togglePreview());
  }

  // --- sending --------------------------------------------------------------------------

  submit() {
    if (this.previewing) this.togglePreview();
    const body = this.input.value;
    if (this.mode?.kind === "edit") {
      this.saveEdit(body);
      return;
    }
    const files = this.app.attachments; // static/js/attachments.js
    const hasFiles = Boolean(files?.items.some((item) => item.state === "done"));
    if ((!body.trim() && !hasFiles) || !this.app.canSend()) return;
    if (files?.busy()) {
      this.app.showError("Wait until your files have uploaded.");
      return;
    }
    if (body.length > MAX_CHARS) {
      this.app.showError(`A message can be at most ${MAX_CHARS.toLocaleString()} characters.`);
      return;
    }
    this.app.clearError();
    const replyTo = this.mode?.kind === "reply" ? quoteOf(this.mode.message) : null;
    this.stopTyping();
    this.app.send({ body, replyTo, attachments: files ? files.take() : [] });
    this.setMode(null);
    this.setValue("");
  }

  async saveEdit(body) {
    const message = this.mode.message;
    if (!body.trim()) {
      this.app.showError("A message cannot be empty; delete it instead.");
      return;
    }
    if (body === message.body) {
      this.cancelMode();
      return;
    }
    this.app.clearError();
    const reply = await this.app.request({ type: "edit", message: message.id, body });
    if (reply.type === "done") {
      if (this.mode?.kind === "edit" && this.mode.message.id === message.id) this.cancelMode();
    } else {
      this.app.showError(reply.message || "Could not save the edit.");
    }
  }

  // --- reply and edit modes --------------------------------------------------------------

  replyTo(message) {
    this.setMode({ kind: "reply", message });
    this.input.focus();
  }

  edit(message) {
    if (this.mode?.kind !== "edit") this.savedDraft = this.input.value;
    this.setMode({ kind: "edit", message });
    this.setValue(message.body);
    this.input.focus();
    this.input.setSelectionRange(this.input.value.length, this.input.value.length);
  }

  cancelMode() {
    const wasEdit = this.mode?.kind === "edit";
    this.setMode(null);
    if (wasEdit) this.setValue(this.savedDraft);
    this.savedDraft = "";
    this.input.focus();
  }

  setMode(mode) {
    this.mode = mode;
    this.els.composer.dataset.mode = mode ? mode.kind : "";
    if (!mode) {
      this.context.hidden = true;
      this.context.replaceChildren();
      this.els.label.textContent = this.app.composerLabel();
      return;
    }
    const m = mode.message;
    const what =
      mode.kind === "edit"
        ? [h("strong", {}, "Editing your message")]
        : [h("strong", {}, `Replying to ${m.sender.name}`), ": ", h("span", { class: "ch-context-text" }, excerpt(textOf(m), 80))];
    this.context.replaceChildren(
      h("span", { class: "ch-context-what" }, ...what),
      h(
        "button",
        { type: "button", class: "link", "data-cancel": "", "aria-label": mode.kind === "edit" ? "Cancel editing" : "Cancel reply" },
        "Cancel",
      ),
    );
    this.context.hidden = false;
    this.els.label.textContent = mode.kind === "edit" ? "Edit your message" : `Reply to ${m.sender.name}`;
  }

  /** The message being answered or edited changed: keep up, or give up if it is gone. */
  messageChanged(message) {
    if (!isGone(message)) {
      this.mode.message = message;
      return;
    }
    const kind = this.mode.kind;
    this.cancelMode();
    this.app.showError(kind === "edit" ? "Your message was deleted or moved while you edited it." : "The message you were answering was deleted or moved.");
  }

  /** The conversation changed: modes and previews belong to the old one. */
  clear() {
    this.stopTyping();
    this.app.attachments?.clear();
    if (this.mode) this.setMode(null);
    if (this.previewing) this.togglePreview();
    this.closeSuggestions();
  }

  // --- keys -------------------------------------------------------------------------------

  keydown(event) {
    if (event.isComposing) return;
    if (!this.list.hidden && this.suggestions.length) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        this.setActive((this.active + step + this.suggestions.length) % this.suggestions.length);
        return;
      }
      if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey && this.active >= 0) {
        event.preventDefault();
        this.pick(this.active);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        this.closeSuggestions();
        return;
      }
    }
    if (event.key === "Escape" && this.mode) {
      event.preventDefault();
      this.cancelMode();
      return;
    }
    if (event.key === "ArrowUp" && !this.input.value && !this.mode && !event.shiftKey) {
      const last = this.app.pane.lastOwnMessage();
      if (last) {
        event.preventDefault();
        this.edit(last);
      }
      return;
    }
    if (event.key !== "Enter" || event.shiftKey) return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    this.submit();
  }

  changed() {
    this.fit();
    if (this.input.value.trim()) this.startTyping();
    else this.stopTyping();
    this.suggestSoon();
  }

  setValue(value) {
    this.input.value = value;
    this.fit();
    if (!value) this.stopTyping();
  }

  fit() {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight + 2, 200)}px`;
  }

  // --- typing -------------------------------------------------------------------------------

  startTyping() {
    const id = this.app.current();
    if (!id || this.mode?.kind === "edit") return;
    const now = Date.now();
    if (this.typingIn === id && now - this.typingSentAt < TYPING_EVERY_MS) return;
    if (this.app.socket.send({ type: "typing", conversation: id, state: "start" })) {
      this.typingIn = id;
      this.typingSentAt = now;
    }
  }

  stopTyping() {
    if (this.typingIn == null) return;
    this.app.socket.send({ type: "typing", conversation: this.typingIn, state: "stop" });
    this.typingIn = null;
    this.typingSentAt = 0;
  }

  // --- preview --------------------------------------------------------------------------------

  async togglePreview() {
    this.previewing = !this.previewing;
    this.previewButton.setAttribute("aria-pressed", String(this.previewing));
    this.previewButton.textContent = this.previewing ? "Write" : "Preview";
    this.input.hidden = this.previewing;
    this.preview.hidden = !this.previewing;
    if (!this.previewing) {
      this.input.focus();
      return;
    }
    this.closeSuggestions();
    const body = this.input.value;
    if (!body.trim()) {
      this.preview.replaceChildren(h("p", { class: "ch-preview-empty" }, "Nothing to preview."));
      return;
    }
    this.preview.replaceChildren(h("p", { class: "ch-preview-empty" }, "Rendering…"));
    try {
      const payload = { body };
      if (this.app.current()) payload.conversation = this.app.current();
      const response = await fetch("/api/v1/messages/preview", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(payload),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const { html } = await response.json();
      if (this.previewing && this.input.value === body) setMessageHtml(this.preview, html);
    } catch {
      if (this.previewing) this.preview.replaceChildren(h("p", { class: "ch-preview-empty" }, "The preview could not be loaded."));
    }
  }

  // --- @mention suggestions --------------------------------------------------------------------

  suggestSoon() {
    clearTimeout(this.suggestTimer);
    const id = this.app.current();
    const before = this.input.value.slice(0, this.input.selectionStart);
    const match = id && this.input.selectionStart === this.input.selectionEnd ? before.match(MENTION_BEFORE_CARET) : null;
    if (!match) {
      this.closeSuggestions();
      return;
    }
    this.suggestTimer = setTimeout(() => this.suggest(id, match[2]), SUGGEST_DELAY_MS);
  }

  async suggest(id, query) {
    const token = ++this.suggestToken;
    let members = [];
    try {
      const response = await fetch(`/api/v1/conversations/${id}/members?${new URLSearchParams({ q: query })}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      members = (await response.json()).members || [];
    } catch {
      members = [];
    }
    if (token !== this.suggestToken || this.app.current() !== id) return;
    const me = this.app.view.me.id;
    this.suggestions = members.filter((m) => m.id !== me);
    if (!this.suggestions.length) {
      this.closeSuggestions();
      return;
    }
    this.list.replaceChildren(
      ...this.suggestions.map((person, index) =>
        h(
          "li",
          { role: "option", id: `ch-suggest-${index}`, "data-index": index, "aria-selected": "false" },
          h("span", { class: "ch-suggest-name" }, person.name),
          " ",
          h("span", { class: "ch-suggest-user" }, `@${person.username}`),
        ),
      ),
    );
    this.list.hidden = false;
    this.setActive(0);
  }

  setActive(index) {
    this.active = index;
    for (const option of this.list.children) {
      option.setAttribute("aria-selected", String(Number(option.dataset.index) === index));
    }
    this.input.setAttribute("aria-activedescendant", `ch-suggest-${index}`);
  }

  pick(index) {
    const person = this.suggestions[index];
    if (!person) return;
    const caret = this.input.selectionStart;
    const before = this.input.value.slice(0, caret).replace(/@[\w.+-]*$/, `@${person.username} `);
    const after = this.input.value.slice(caret);
    this.input.value = before + after;
    this.input.setSelectionRange(before.length, before.length);
    this.closeSuggestions();
    this.fit();
    this.input.focus();
  }

  closeSuggestions() {
    clearTimeout(this.suggestTimer);
    this.suggestToken += 1;
    this.suggestions = [];
    this.active = -1;
    this.list.hidden = true;
    this.list.replaceChildren();
    this.input.removeAttribute("aria-activedescendant");
  }
}
