// Small DOM helpers for the chat page. Every string from people goes in as text
// (never as HTML) through h(); the one exception is a message's server-sanitised html.

/**
 * Build an element: h("a", {href: "/x", class: "y"}, "text", child, …).
 * Attributes that are null, undefined or false are left out; true sets an empty one.
 * Children are nodes or strings (added as text, so they are escaped).
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value == null || value === false) continue;
    if (name === "class") element.className = value;
    else if (name === "style") element.style.cssText = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** Insert a message's html: rendered from Markdown and sanitised (nh3) by the server.
 * Each code block gets a Copy button (the page's click handler copies its code). */
export function setMessageHtml(element, html) {
  element.innerHTML = html;
  for (const pre of element.querySelectorAll("pre")) {
    pre.append(h("button", { type: "button", class: "ch-copy", "data-copy": "" }, "Copy code"));
  }
}

/** "Alice Liddell" → "AL", "bob" → "BO": the same as User.initials on the server. */
export function initials(name) {
  const words = name.replaceAll(".", " ").replaceAll("_", " ").split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? words.slice(0, 2).map((w) => w[0]).join("") : name.slice(0, 2);
  return letters.toUpperCase();
}

const colourCache = new Map();

/** The avatar colour of a username, as User.avatar_colour: sha256 of the lowercased name
 * picks from the palette. Needs crypto.subtle (secure contexts); else the first colour. */
export async function avatarColour(username, palette) {
  const key = username.toLowerCase();
  if (!colourCache.has(key)) {
    colourCache.set(
      key,
      (async () => {
        if (!globalThis.crypto?.subtle) return palette[0];
        const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
        return palette[new Uint8Array(digest)[0] % palette.length];
      })(),
    );
  }
  return colourCache.get(key);
}

/** A person's small avatar from a user summary: the photo, or initials on their colour. */
export function avatar(person, palette) {
  if (person.avatar) {
    return h("img", { class: "avatar", src: person.avatar, alt: "", width: 32, height: 32 });
  }
  const badge = h("span", { class: "avatar avatar-initials", "aria-hidden": "true" }, initials(person.name));
  badge.style.backgroundColor = palette[palette.length - 1];
  avatarColour(person.username, palette).then((colour) => {
    badge.style.backgroundColor = colour;
  });
  return badge;
}

// The one date and time format of every page, in the reader's locale and time zone: a
// message's clock time (its day in the separator above it), and elsewhere the date with
// the time ("6 Dec 2026, 15:04" in English) or the date alone.
const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dated = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

/** A Date as every page shows one: `kind` "datetime" (date and time) or "date". */
export function formatWhen(at, kind = "datetime") {
  if (Number.isNaN(at.valueOf())) return "";
  return (kind === "date" ? dateOnly : dated).format(at);
}

/** Show every server-rendered <time data-when> under `root` in the reader's locale and
 * time zone (the server writes UTC; parley's {% when %} tag). */
export function localiseTimes(root = document) {
  for (const element of root.querySelectorAll("time[data-when]")) {
    const at = new Date(element.getAttribute("datetime"));
    const text = formatWhen(at, element.dataset.when);
    if (text) element.textContent = text;
  }
}

/** A <time> for an ISO timestamp: the local clock time, the full date on hover. */
export function timeElement(iso) {
  const element = h("time", { datetime: iso });
  localiseTime(element);
  return element;
}

/** Show a <time datetime=…> in the reader's time zone (the server renders UTC). */
export function localiseTime(element) {
  const at = new Date(element.getAttribute("datetime"));
  if (Number.isNaN(at.valueOf())) return;
  element.textContent = clock.format(at);
  element.title = formatWhen(at);
}

/** A client_id for a send: a UUID (crypto.randomUUID needs a secure context). */
export function newClientId() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const longDay = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long" });
const longDate = new Intl.DateTimeFormat(undefined, { dateStyle: "full" });

/** The reader's calendar day of a time, as a comparable key: "2026-11-21". */
export function dayKey(ms) {
  const at = new Date(ms);
  return `${at.getFullYear()}-${at.getMonth() + 1}-${at.getDate()}`;
}

/** "Today", "Yesterday", "Friday, 20 November" (this year) or the full date. */
export function dayLabel(ms, now = Date.now()) {
  const key = dayKey(ms);
  if (key === dayKey(now)) return "Today";
  if (key === dayKey(now - 86_400_000)) return "Yesterday";
  const at = new Date(ms);
  return at.getFullYear() === new Date(now).getFullYear() ? longDay.format(at) : longDate.format(at);
}

/** The CSRF token Django set for this page (cookie), for JSON POSTs. */
export function csrfToken() {
  const found = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
  return found ? decodeURIComponent(found.slice("csrftoken=".length)) : "";
}

/**
 * A message's rendered text without its Markdown marks, as the server's excerpts are: the
 * sanitised html is parsed in an inert <template> (nothing in it runs or loads), with a
 * space where a block ends so that paragraphs do not run together.
 */
export function textOf(message) {
  const template = document.createElement("template");
  template.innerHTML = (message.html || "").replace(/<(br|hr)\s*\/?>|<\/(p|li|h[1-6]|blockquote|pre|tr|td|th)>/g, " $&");
  return template.content.textContent;
}

/** One line of plain text, at most `chars` long. */
export function excerpt(text, chars = 140) {
  const line = text.split(/\s+/).filter(Boolean).join(" ");
  return line.length > chars ? `${line.slice(0, chars - 1)}…` : line;
}
