// The broadcasts page's people picker: a people combobox (static/js/people-combobox.js,
// over GET /api/v1/users?q=…) whose choices become chips, each with a hidden "people"
// input and a remove button. Without JavaScript the page offers friends as checkboxes.

import { h } from "./dom.js";
import { PeopleCombobox } from "./people-combobox.js";

const picker = document.querySelector("[data-people-picker]");
const input = document.getElementById("people-q");
const chosen = document.getElementById("chosen-people");

function isChosen(id) {
  const box = document.querySelector(`input[type="checkbox"][name="people"][value="${id}"]`);
  return Boolean(chosen.querySelector(`input[value="${id}"]`) || box?.checked);
}

function choose(person) {
  input.value = "";
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

if (picker && input && chosen) {
  picker.hidden = false;
  new PeopleCombobox(input, { source: "/api/v1/users", choose, exclude: (person) => isChosen(person.id) });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault(); // Enter here never sends the form
  });
}
