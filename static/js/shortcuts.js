// The keyboard shortcuts help: "?" (outside a text field) opens a dialog listing them.

import { h } from "./dom.js";

const SHORTCUTS = [
  ["Ctrl+K", "Jump to a conversation or person"],
  ["?", "Show this help"],
  ["Tab, then ↑ ↓", "Move between messages (Home, End: first, last)"],
  ["Enter", "Send (Shift+Enter: a new line)"],
  ["↑ in an empty box", "Edit your last message"],
  ["Escape", "Cancel a reply or edit; close a menu or dialog"],
];

export function installShortcutsHelp() {
  const dialog = h(
    "dialog",
    { class: "sc-dialog", "aria-labelledby": "sc-title" },
    h("h2", { id: "sc-title" }, "Keyboard shortcuts"),
    h("dl", { class: "sc-list" }, SHORTCUTS.flatMap(([keys, what]) => [h("dt", {}, h("kbd", {}, keys)), h("dd", {}, what)])),
    h("form", { method: "dialog" }, h("button", { type: "submit" }, "Close")),
  );
  document.body.append(dialog);
  document.addEventListener("keydown", (event) => {
    if (event.key !== "?" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest?.("input, textarea, select, [contenteditable]")) return;
    event.preventDefault();
    if (!dialog.open) dialog.showModal();
  });
  return dialog;
}
