// The broadcasts page's people picker: a search box (a combobox over GET
// /api/v1/users?q=…) whose choices become chips, each with a hidden "people" input and a
// remove button. Without JavaScript the page offers friends as checkboxes instead.

import { h } from "./dom.js";

const picker = document.querySelector("[data-people-search]");
const input = document.getElementById("people-q");
const list = document.getElementById("people-options");
const chosen = document.getElementById("chosen-people");
let request = 0; // the latest search; older answers are dropped
let active = -1;

function options() {
  return [...list.querySelectorAll('[role="option"]')];
}

function close() {
  list.hidden = true;
  list.replaceChildren();
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
  active = -1;
}

function isChosen(id) {
  const box = document.querySelector(`input[type="checkbox"][name="people"][value="${id}"]`);
  return Boolean(chosen.querySelector(`input[value="${id}"]`) || box?.checked);
}

function choose(person) {
  close();
  input.value = "";
  input.focus();
  if (isChosen(person.id)) return;
  const chip = h(
    "li",
    { class: "chip" },
    h("input", { type: "hidden", name: "people", value: String(person.id) }),
    h("span", {}, person.name || person.username),
    " ",
    h("span", { class: "muted" }, `@${person.username}`),
    " ",
  );
  const remove = h("button", { type: "button", class: "link", "aria-label": `Remove ${person.name || person.username}` }, "×");
  remove.addEventListener("click", () => {
    chip.remove();
    input.focus();
  });
  chip.append(remove);
  chosen.append(chip);
}

function highlight(index) {
  const all = options();
  if (!all.length) return;
  active = (index + all.length) % all.length;
  all.forEach((option, i) => option.setAttribute("aria-selected", String(i === active)));
  input.setAttribute("aria-activedescendant", all[active].id);
}

async function search() {
  const query = input.value.trim();
  const mine = ++request;
  if (!query) return close();
  const response = await fetch(`/api/v1/users?limit=10&q=${encodeURIComponent(query)}`, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  if (mine !== request || !response.ok) return;
  const { people } = await response.json();
  list.replaceChildren(
    ...people.map((person) => {
      const option = h(
        "li",
        { role: "option", id: `person-${person.id}`, "aria-selected": "false", tabindex: "-1" },
        person.name || person.username,
        " ",
        h("span", { class: "muted" }, `@${person.username}`),
      );
      option.addEventListener("mousedown", (event) => event.preventDefault());
      option.addEventListener("click", () => choose(person));
      option.person = person;
      return option;
    }),
  );
  if (!people.length) list.append(h("li", { class: "muted", role: "presentation" }, "Nobody by that name"));
  list.hidden = false;
  input.setAttribute("aria-expanded", "true");
  active = -1;
}

if (picker && input && list && chosen) {
  picker.hidden = false;
  input.addEventListener("input", search);
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") highlight(active + 1);
    else if (event.key === "ArrowUp") highlight(active - 1);
    else if (event.key === "Escape") close();
    else if (event.key === "Enter") {
      if (active >= 0) choose(options()[active].person); // Enter never sends the form from here
    }
    else return;
    event.preventDefault();
  });
  input.addEventListener("blur", () => setTimeout(close, 0));
}
