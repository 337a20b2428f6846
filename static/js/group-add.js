// "Add people" in a group conversation's header: a dialog with a people combobox over
// your friends (GET /api/v1/users?friends=true, those already in left out); choosing one
// adds them (POST /api/v1/groups/{id}/people) and says so.

import { h } from "./dom.js";
import { PeopleCombobox } from "./people-combobox.js";

export class GroupAdder {
  /**
   * @param {object} app the chat page: request headers via csrfToken, summaryChanged(summary)
   * @param {() => string} csrfToken
   */
  constructor(app, csrfToken) {
    this.app = app;
    this.csrfToken = csrfToken;
    this.conversation = null;
    this.input = h("input", { type: "text", id: "ga-input", autocapitalize: "none", spellcheck: "false", "aria-describedby": "ga-help" });
    this.said = h("p", { class: "help", id: "ga-help" }, "Type a few letters of a friend's name, then ↓ and Enter adds them.");
    const close = h("button", { type: "button", class: "secondary" }, "Done");
    this.dialog = h(
      "dialog",
      { class: "ch-dialog", "aria-labelledby": "ga-title" },
      h("h2", { id: "ga-title" }, "Add people to the group"),
      h("label", { for: "ga-input" }, "Friend's name or username"),
      this.input,
      this.said,
      h("div", { class: "ch-dialog-buttons" }, close),
    );
    document.body.append(this.dialog);
    close.addEventListener("click", () => this.dialog.close());
    this.combobox = new PeopleCombobox(this.input, {
      source: "/api/v1/users?friends=true",
      exclude: (person) => Boolean(this.conversation?.people.some((p) => p.id === person.id)),
      choose: (person) => this.add(person),
    });
  }

  open(conversation) {
    this.conversation = conversation;
    this.input.value = "";
    this.dialog.showModal();
    this.input.focus();
  }

  async add(person) {
    const c = this.conversation;
    this.input.value = "";
    const response = await fetch(`/api/v1/groups/${c.id}/people`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": this.csrfToken() },
      body: JSON.stringify({ people: [person.id] }),
    }).catch(() => null);
    if (!response?.ok) {
      const error = await response?.json().catch(() => null);
      this.combobox.status.textContent = error?.error?.message || `${person.name} could not be added; try again.`;
      this.said.textContent = this.combobox.status.textContent;
      return;
    }
    this.conversation = { ...c, ...(await response.json()) };
    this.app.summaryChanged(this.conversation);
    this.said.textContent = `${person.name} was added.`;
    this.combobox.status.textContent = this.said.textContent;
  }
}
