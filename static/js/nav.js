// The top bar on a phone: one row, the brand and a Menu button that shows the main
// navigation (Chat, People, Rooms, Friends, search, Settings, Log out) below it. Without
// this script the whole navigation shows, wrapped.

import "./dialogs.js"; // focus kept in and given back by every page's dialogs
import { localiseTimes } from "./dom.js";

localiseTimes(); // every page's dates in the reader's locale and time zone

const header = document.querySelector(".topbar");
const button = document.getElementById("nav-menu");
if (header && button) {
  header.dataset.menu = "closed";
  button.hidden = false;
  const toggle = (open) => {
    header.dataset.menu = open ? "open" : "closed";
    button.setAttribute("aria-expanded", String(open));
  };
  button.addEventListener("click", () => toggle(header.dataset.menu !== "open"));
  // A search sent from the menu closes it: the results need the screen.
  header.addEventListener("submit", () => toggle(false), true);
  // The Menu button carries the sum of the badges it hides (invitations, friend requests).
  const badges = ["nav-rooms-badge", "nav-friends-badge"].map((id) => document.getElementById(id)).filter(Boolean);
  const sum = document.getElementById("nav-menu-badge");
  const count = () => {
    const n = badges.reduce((total, badge) => total + (badge.hidden ? 0 : Number(badge.textContent) || 0), 0);
    sum.textContent = String(n);
    sum.hidden = !n;
    button.setAttribute("aria-label", n ? `Menu ${n} waiting` : "Menu");
  };
  count();
  for (const badge of badges) new MutationObserver(count).observe(badge, { attributes: true, childList: true, characterData: true, subtree: true });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && header.dataset.menu === "open") {
      toggle(false);
      button.focus();
    }
  });
}
