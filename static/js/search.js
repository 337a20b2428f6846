// Message search inside the chat page: the top bar's search form (which, without
// JavaScript, goes to /search/?q=…) shows its results in a panel beside the pane — a
// third column on a wide screen, the whole screen at phone width. See docs/search.md for
// GET /api/v1/search. A result opens its conversation at the message in this page.

import { formatWhen, h, setMessageHtml } from "./dom.js";

const PHONE = matchMedia("(max-width: 40rem)");

export class SearchPanel {
  /**
   * @param app the chat page's shared object (els.app, socket)
   * @param openLink (link element) → true if it opened the message in this page
   */
  constructor(app, openLink) {
    this.app = app;
    this.openLink = openLink;
    this.form = document.querySelector("form.nav-search");
    this.input = this.form?.querySelector('input[name="q"]');
    this.query = "";
    this.page = 0;
    this.request = 0; // the latest fetch; older answers are dropped
    this.build();
    if (!this.form || !this.input) return;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const query = this.input.value.trim();
      if (query) this.search(query);
      else this.close();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !this.panel.hidden) {
        event.preventDefault();
        this.close();
      }
    });
  }

  build() {
    this.title = h("h2", { id: "ch-search-title", tabindex: "-1" }, "Search results");
    this.closeButton = h(
      "button",
      { type: "button", class: "secondary ch-search-close" },
      "Close",
      h("span", { class: "visually-hidden" }, " search results"),
    );
    this.status = h("p", { class: "ch-search-status", role: "status" });
    this.error = h("p", { class: "ch-search-error", role: "alert" });
    this.list = h("ol", { class: "ch-search-results", "aria-labelledby": "ch-search-title" });
    this.more = h("button", { type: "button", class: "secondary ch-search-more", hidden: true }, "More results");
    this.panel = h(
      "section",
      { class: "ch-search", id: "ch-search", role: "region", "aria-labelledby": "ch-search-title", hidden: true },
      h("header", { class: "ch-search-head" }, this.title, this.closeButton),
      h("div", { class: "ch-search-body" }, this.status, this.error, this.list, this.more),
    );
    this.app.els.app.append(this.panel);
    this.closeButton.addEventListener("click", () => this.close());
    this.more.addEventListener("click", () => this.load(this.page + 1));
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.close();
      }
    });
    this.list.addEventListener("click", (event) => {
      const link = event.target.closest("a[href]");
      if (!link || !this.openLink(event, link)) return;
      if (PHONE.matches) this.close({ focus: false });
    });
  }

  get isOpen() {
    return !this.panel.hidden;
  }

  search(query) {
    this.query = query;
    this.title.textContent = `Search results for “${query}”`;
    this.list.replaceChildren();
    this.error.textContent = "";
    this.more.hidden = true;
    this.panel.hidden = false;
    this.app.els.app.dataset.search = "open";
    this.load(1, { focus: true });
  }

  close({ focus = true } = {}) {
    if (this.panel.hidden) return;
    this.request += 1;
    this.panel.hidden = true;
    delete this.app.els.app.dataset.search;
    if (focus) this.input?.focus();
  }

  async load(page, { focus = false } = {}) {
    const request = ++this.request;
    const query = new URLSearchParams({ q: this.query, page: String(page) });
    this.status.textContent = "Searching…";
    this.error.textContent = "";
    this.more.disabled = true;
    let body = null;
    let failure = null;
    try {
      const response = await fetch(`/api/v1/search?${query}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (response.status === 401) this.app.socket.goToLogin();
      body = await response.json().catch(() => null);
      if (!response.ok) {
        failure = body?.error?.message || `Search failed (HTTP ${response.status}); try again.`;
      }
    } catch {
      failure = "Search failed: you seem to be offline. Try again when the connection is back.";
    }
    if (request !== this.request) return;
    this.more.disabled = false;
    this.status.textContent = "";
    if (failure || !body) {
      this.error.textContent = failure || "Search failed; try again.";
      this.more.hidden = true;
      if (focus) this.title.focus();
      return;
    }
    this.page = body.page;
    const items = body.results.map((result) => this.item(result));
    this.list.append(...items);
    this.more.hidden = !body.has_next;
    if (!this.list.children.length) this.status.textContent = "No messages found.";
    else if (page > 1) items[0]?.querySelector("a")?.focus();
    if (focus) this.title.focus();
  }

  item(result) {
    const { message, conversation } = result;
    const at = new Date(message.created_at);
    const snippet = h("a", { href: result.url, class: "ch-search-snippet" });
    setMessageHtml(snippet, result.snippet);
    return h(
      "li",
      { class: "ch-search-result" },
      h(
        "p",
        { class: "ch-search-meta" },
        h("span", { class: "ch-search-sender" }, message.sender?.name ?? ""),
        " in ",
        h("span", { class: "ch-search-conv" }, conversation.title),
        " · ",
        h("time", { datetime: message.created_at }, formatWhen(at)),
      ),
      snippet,
    );
  }
}
