// Every modal dialog of every page (loaded by nav.js): Tab and Shift+Tab go round the
// dialog's own controls instead of leaving the page for the browser's, and when a dialog
// closes without its code placing the focus, the focus goes back to what had it before.
// showModal() already makes the rest of the page inert and closes the dialog on Escape.

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function openModal() {
  const all = document.querySelectorAll("dialog[open]");
  for (let i = all.length - 1; i >= 0; i--) if (all[i].matches(":modal")) return all[i];
  return null;
}

function stops(dialog) {
  return [...dialog.querySelectorAll(FOCUSABLE)].filter((el) => el.getClientRects().length && !el.closest("[hidden], [inert]"));
}

document.addEventListener("keydown", (event) => {
  if (event.key !== "Tab" || event.defaultPrevented) return;
  const dialog = openModal();
  if (!dialog) return;
  const controls = stops(dialog);
  if (!controls.length) return;
  const first = controls[0];
  const last = controls[controls.length - 1];
  const here = document.activeElement;
  const outside = !dialog.contains(here);
  if (event.shiftKey && (here === first || outside)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && (here === last || outside)) {
    event.preventDefault();
    first.focus();
  }
});

// The element that had the focus before each dialog opened (the last one outside a dialog).
let lastOutside = null;
document.addEventListener("focusin", (event) => {
  if (!event.target.closest?.("dialog")) lastOutside = event.target;
});

document.addEventListener(
  "close",
  (event) => {
    if (!(event.target instanceof HTMLDialogElement)) return;
    const dialog = event.target;
    // After the dialog's own close handlers, which may place the focus themselves.
    queueMicrotask(() => {
      const here = document.activeElement;
      if ((here === document.body || here === null || dialog.contains(here)) && lastOutside?.isConnected) lastOutside.focus();
    });
  },
  true,
);
