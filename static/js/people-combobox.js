// A text box that suggests people as they are typed: the ARIA combobox pattern over the
// server's people search (GET /api/v1/users?q=…, with the page's own filters such as
// invitable_to=ROOM or friends=true, so only people the user may add are offered).
//
// ↓ and ↑ move through the suggestions (aria-activedescendant keeps the focus in the
// box), Enter chooses one (and sends nothing while the list is open), Escape closes the
// list; a click chooses too. A status line says how many were found, for screen readers.
//
// Pages mark their boxes with data-people-search="/api/v1/users?…" and what choosing
// does with data-choose: "fill" puts the username in the box (a form that takes a
// username), "check" ticks the checkbox whose value is the person's id. A page may also
// build one in code with its own choose(person).

import { h } from "./dom.js";

const LIMIT = 8;

export class PeopleCombobox {
  /**
   * @param {HTMLInputElement} input the text box (it must have an id)
   * @param {{source: string, choose: (person: object) => void, exclude?: (person: object) => boolean}} options
   */
  constructor(input, { source, choose, exclude = () => false }) {
    this.input = input;
    this.source = source;
    this.onChoose = choose;
    this.exclude = exclude;
    this.people = [];
    this.active = -1;
    this.request = 0; // the latest search; answers to older ones are dropped
    this.list = h("ul", { id: `${input.id}-options`, role: "listbox", class: "people-options", "aria-label": "Suggested people", hidden: true });
    this.status = h("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
    input.after(this.list, this.status);
    for (const [name, value] of Object.entries({
      role: "combobox",
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      "aria-controls": this.list.id,
      autocomplete: "off",
    })) {
      input.setAttribute(name, value);
    }
    input.addEventListener("input", () => this.search());
    input.addEventListener("keydown", (event) => this.key(event));
    input.addEventListener("blur", () => this.close());
    // A press on an option would blur the box (and close the list) before its click.
    this.list.addEventListener("mousedown", (event) => event.preventDefault());
    this.list.addEventListener("click", (event) => {
      const option = event.target.closest('[role="option"]');
      if (option) this.choose(Number(option.dataset.index));
    });
  }

  get open() {
    return !this.list.hidden;
  }

  async search() {
    const query = this.input.value.trim().replace(/^@/, "");
    const mine = ++this.request;
    if (!query) {
      this.close();
      return;
    }
    const joiner = this.source.includes("?") ? "&" : "?";
    let people;
    try {
      const response = await fetch(`${this.source}${joiner}limit=${LIMIT}&q=${encodeURIComponent(query)}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      people = (await response.json()).people;
    } catch {
      return; // offline: the box still takes a username typed in full
    }
    if (mine !== this.request || document.activeElement !== this.input) return;
    this.show(people.filter((person) => !this.exclude(person)));
  }

  show(people) {
    this.people = people;
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    this.list.replaceChildren(
      ...people.map((person, index) =>
        h(
          "li",
          { id: `${this.list.id}-${index}`, role: "option", "aria-selected": "false", "data-index": index },
          h("span", { class: "people-option-name" }, person.name || person.username),
          " ",
          h("span", { class: "muted" }, `@${person.username}`),
        ),
      ),
    );
    if (!people.length) this.list.append(h("li", { class: "muted", role: "presentation" }, "Nobody to add by that name"));
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    const found = people.length === 1 ? "1 person found" : `${people.length || "No"} people found`;
    this.status.textContent = people.length ? `${found}; ↑ and ↓ to choose, Enter to pick.` : `${found}.`;
  }

  close() {
    if (!this.open) return;
    this.list.hidden = true;
    this.list.replaceChildren();
    this.people = [];
    this.active = -1;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  highlight(index) {
    const options = [...this.list.querySelectorAll('[role="option"]')];
    if (!options.length) return;
    this.active = (index + options.length) % options.length;
    options.forEach((option, i) => option.setAttribute("aria-selected", String(i === this.active)));
    this.input.setAttribute("aria-activedescendant", options[this.active].id);
    options[this.active].scrollIntoView({ block: "nearest" });
  }

  key(event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!this.open) {
        if (event.key === "ArrowDown" && this.input.value.trim()) this.search();
        return;
      }
      this.highlight(event.key === "ArrowDown" ? this.active + 1 : this.active - 1);
    } else if (event.key === "Enter" && this.open) {
      if (this.active >= 0) this.choose(this.active);
      else this.close();
    } else if (event.key === "Escape" && this.open) {
      this.close(); // and not the dialog around the box, if any
      event.stopPropagation();
    } else {
      return;
    }
    event.preventDefault();
  }

  choose(index) {
    const person = this.people[index];
    if (!person) return;
    this.request++; // an answer still on its way must not reopen the list
    this.close();
    this.onChoose(person);
    this.input.focus();
  }
}

/** A [data-people-search] box's choice: with data-choose="check", tick the form's checkbox
 * of that person; otherwise put their username in the box. */
function chosen(input, combobox, person) {
  if (input.dataset.choose === "check") {
    const value = CSS.escape(String(person.id));
    const box = input.form?.querySelector(`input[type="checkbox"][value="${value}"]`);
    input.value = "";
    if (box) box.checked = true;
    combobox.status.textContent = box ? `${person.name} added.` : `${person.name} can't be added here.`;
  } else {
    input.value = person.username;
    combobox.status.textContent = `${person.name} (@${person.username}) chosen.`;
  }
}

/** Turn every [data-people-search] box under `root` into a people combobox (loading this
 * module does so for the page). */
export function enhancePeopleBoxes(root = document) {
  for (const input of root.querySelectorAll("input[data-people-search]")) {
    const combobox = new PeopleCombobox(input, {
      source: input.dataset.peopleSearch,
      choose: (person) => chosen(input, combobox, person),
    });
    if (input.dataset.choose === "check") {
      // The box only finds; Enter in it never sends the form around it.
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter") event.preventDefault();
      });
    }
  }
}

enhancePeopleBoxes();
