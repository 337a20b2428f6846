// Emoji: the picker (a modal dialog with a search box and a grid you move through with
// the arrow keys) for the composer and for reactions, and `:` autocomplete in the
// composer (":ta" → 🎉 tada, after two characters). The data is the server's index from
// the `emoji` library (parley/messaging/emoji.py), fetched once under its digest.
//
// Keys in the grid: arrows move, Home/End go to a row's ends, Enter or Space picks,
// Escape closes (focus returns to what opened it). In the composer's suggestions:
// Up/Down choose, Enter or Tab pick, Escape closes.

import { h } from "./dom.js";

const COLUMNS = 8;
const SUGGEST_MAX = 8;
const SHOWN_MAX = 2000;
const SHORTCODE_BEFORE_CARET = /(^|[\s(]):([\w+-]{2,40})$/;

let loading = null;

/** [{char, names: [..]}], loaded once per page. */
function loadIndex(url) {
  loading ??= fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => {
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.json();
    })
    .then((data) => data.emoji.map(([char, ...names]) => ({ char, names, label: names[0].replaceAll("_", " ") })))
    .catch((error) => {
      loading = null; // try again next time
      throw error;
    });
  return loading;
}

/**
 * The emoji whose names contain `query` (any case): a name equal to it first, then names
 * starting with it (shorter first: "thumbs" → thumbs_up before thumbs_down), then the rest
 * in the index's order.
 */
export function searchEmoji(index, query) {
  const q = query.toLowerCase().replaceAll(" ", "_");
  if (!q) return index;
  const starts = [];
  const contains = [];
  for (const entry of index) {
    const names = entry.names.map((n) => n.toLowerCase());
    const prefixed = names.filter((n) => n.startsWith(q));
    if (prefixed.length) starts.push({ entry, rank: Math.min(...prefixed.map((n) => (n === q ? 0 : n.length))) });
    else if (names.some((n) => n.includes(q))) contains.push(entry);
  }
  starts.sort((a, b) => a.rank - b.rank); // stable: the index's order among equals
  return starts.map((s) => s.entry).concat(contains);
}

export class EmojiPicker {
  /** @param {object} app the chat page: els (composer, input), urls.emoji, showError */
  constructor(app) {
    this.app = app;
    this.input = app.els.input;
    this.onPick = null;
    this.returnFocus = null;
    this.shown = [];

    // The dialog.
    this.title = h("h2", { id: "ch-emoji-title" }, "Choose an emoji");
    this.search = h("input", { type: "search", id: "ch-emoji-search", autocomplete: "off", placeholder: "Search, e.g. tada" });
    this.grid = h("div", { class: "ch-emoji-grid", role: "grid", "aria-label": "Emoji", "aria-describedby": "ch-emoji-count" });
    this.count = h("p", { class: "ch-emoji-count", id: "ch-emoji-count", "aria-live": "polite" });
    const close = h("button", { type: "button", class: "secondary" }, "Close");
    this.dialog = h(
      "dialog",
      { class: "ch-dialog ch-emoji-dialog", "aria-labelledby": "ch-emoji-title" },
      this.title,
      h("label", { for: "ch-emoji-search" }, "Search emoji"),
      this.search,
      this.count,
      this.grid,
      h("div", { class: "ch-dialog-buttons" }, close),
    );
    document.body.append(this.dialog);
    close.addEventListener("click", () => this.dialog.close());
    this.dialog.addEventListener("close", () => {
      this.returnFocus?.focus();
      this.returnFocus = null;
    });
    this.search.addEventListener("input", () => this.fill());
    this.search.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        this.focusCell(0);
      } else if (event.key === "Enter") {
        event.preventDefault();
        if (this.shown.length) this.pick(this.shown[0].char);
      }
    });
    this.grid.addEventListener("click", (event) => {
      const cell = event.target.closest("button[data-index]");
      if (cell) this.pick(this.shown[Number(cell.dataset.index)].char);
    });
    this.grid.addEventListener("keydown", (event) => this.gridKeys(event));

    // The composer's button.
    this.button = h("button", { type: "button", class: "secondary ch-compose-tool ch-emoji-button", "aria-label": "Insert emoji", title: "Insert emoji", "aria-haspopup": "dialog" }, "😊");
    app.els.composer.querySelector("button[type=submit]").before(this.button);
    this.button.addEventListener("click", () =>
      this.open({ title: "Insert an emoji", returnFocus: this.input, onPick: (char) => this.insert(char) }),
    );

    // `:` suggestions in the composer.
    this.list = h("ul", { class: "ch-suggest ch-emoji-suggest", id: "ch-emoji-suggest", role: "listbox", "aria-label": "Emoji" });
    this.list.hidden = true;
    this.suggestions = [];
    this.active = -1;
    this.input.after(this.list);
    this.input.addEventListener("input", () => this.suggest());
    this.input.addEventListener("keydown", (event) => this.suggestKeys(event), true); // before the composer's
    this.input.addEventListener("blur", () => setTimeout(() => this.closeSuggestions(), 150));
    this.list.addEventListener("mousedown", (event) => event.preventDefault());
    this.list.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]");
      if (option) this.pickSuggestion(Number(option.dataset.index));
    });
  }

  async index() {
    try {
      return await loadIndex(this.app.urls.emoji);
    } catch {
      this.app.showError("The emoji could not be loaded; try again.");
      return null;
    }
  }

  // --- the picker ---------------------------------------------------------------------------

  /** Open the picker; `onPick(char)` gets the chosen emoji. */
  async open({ title, onPick, returnFocus }) {
    this.onPick = onPick;
    this.returnFocus = returnFocus || document.activeElement;
    this.title.textContent = title;
    this.search.value = "";
    this.dialog.showModal();
    this.search.focus();
    this.all = await this.index();
    if (this.all && this.dialog.open) this.fill();
  }

  fill() {
    if (!this.all) return;
    this.shown = searchEmoji(this.all, this.search.value.trim()).slice(0, SHOWN_MAX);
    const rows = [];
    for (let start = 0; start < this.shown.length; start += COLUMNS) {
      rows.push(
        h(
          "div",
          { role: "row" },
          this.shown.slice(start, start + COLUMNS).map((entry, offset) =>
            h(
              "button",
              { type: "button", role: "gridcell", tabindex: start + offset === 0 ? "0" : "-1", "data-index": start + offset, "aria-label": entry.label, title: `:${entry.names[0]}:` },
              entry.char,
            ),
          ),
        ),
      );
    }
    this.grid.replaceChildren(...rows);
    this.count.textContent = this.shown.length ? `${this.shown.length} emoji` : "No emoji has that name.";
  }

  cells() {
    return [...this.grid.querySelectorAll("button[data-index]")];
  }

  focusCell(index) {
    const cells = this.cells();
    if (!cells.length) return;
    const target = cells[Math.max(0, Math.min(index, cells.length - 1))];
    for (const cell of cells) cell.tabIndex = cell === target ? 0 : -1;
    target.focus();
  }

  gridKeys(event) {
    const cell = event.target.closest("button[data-index]");
    if (!cell) return;
    const index = Number(cell.dataset.index);
    const moves = {
      ArrowRight: index + 1,
      ArrowLeft: index - 1,
      ArrowDown: index + COLUMNS,
      ArrowUp: index - COLUMNS,
      Home: index - (index % COLUMNS),
      End: index - (index % COLUMNS) + COLUMNS - 1,
    };
    if (event.key in moves) {
      event.preventDefault();
      if (event.key === "ArrowUp" && index < COLUMNS) this.search.focus();
      else this.focusCell(moves[event.key]);
    }
  }

  pick(char) {
    const onPick = this.onPick;
    this.dialog.close();
    onPick?.(char);
  }

  /** Put `char` at the composer's caret. */
  insert(char) {
    const { selectionStart: start, selectionEnd: end, value } = this.input;
    this.input.value = value.slice(0, start) + char + value.slice(end);
    this.input.setSelectionRange(start + char.length, start + char.length);
    this.input.dispatchEvent(new Event("input", { bubbles: true }));
    this.input.focus();
  }

  // --- `:` suggestions ----------------------------------------------------------------------

  async suggest() {
    const before = this.input.value.slice(0, this.input.selectionStart);
    const match = this.input.selectionStart === this.input.selectionEnd ? before.match(SHORTCODE_BEFORE_CARET) : null;
    if (!match) {
      this.closeSuggestions();
      return;
    }
    const all = await this.index();
    const now = this.input.value.slice(0, this.input.selectionStart).match(SHORTCODE_BEFORE_CARET);
    if (!all || !now || now[2] !== match[2]) return; // typed on meanwhile: a later call answers
    this.suggestions = searchEmoji(all, match[2]).slice(0, SUGGEST_MAX);
    if (!this.suggestions.length) {
      this.closeSuggestions();
      return;
    }
    this.list.replaceChildren(
      ...this.suggestions.map((entry, index) =>
        h(
          "li",
          { role: "option", id: `ch-emoji-suggest-${index}`, "data-index": index, "aria-selected": "false" },
          h("span", { class: "ch-suggest-emoji", "aria-hidden": "true" }, entry.char),
          " ",
          h("span", { class: "ch-suggest-name" }, `:${entry.names[entry.names.length - 1]}:`),
          h("span", { class: "visually-hidden" }, ` ${entry.label}`),
        ),
      ),
    );
    this.list.hidden = false;
    this.input.setAttribute("aria-controls", "ch-emoji-suggest");
    this.input.setAttribute("aria-expanded", "true");
    this.setActive(0);
  }

  setActive(index) {
    this.active = index;
    for (const option of this.list.children) option.setAttribute("aria-selected", String(Number(option.dataset.index) === index));
    this.input.setAttribute("aria-activedescendant", `ch-emoji-suggest-${index}`);
  }

  suggestKeys(event) {
    if (this.list.hidden || !this.suggestions.length || event.isComposing) return;
    const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    if (step) {
      this.setActive((this.active + step + this.suggestions.length) % this.suggestions.length);
    } else if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey) {
      this.pickSuggestion(this.active);
    } else if (event.key === "Escape") {
      this.closeSuggestions();
    } else {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation(); // the composer must not send or cancel too
  }

  pickSuggestion(index) {
    const entry = this.suggestions[index];
    if (!entry) return;
    const caret = this.input.selectionStart;
    const before = this.input.value.slice(0, caret).replace(/:[\w+-]*$/, entry.char);
    this.input.value = before + this.input.value.slice(caret);
    this.input.setSelectionRange(before.length, before.length);
    this.closeSuggestions();
    this.input.dispatchEvent(new Event("input", { bubbles: true }));
    this.input.focus();
  }

  closeSuggestions() {
    if (this.list.hidden) return;
    this.suggestions = [];
    this.active = -1;
    this.list.hidden = true;
    this.list.replaceChildren();
    this.input.setAttribute("aria-controls", "ch-suggest");
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }
}
