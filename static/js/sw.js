// Parley's service worker, served at /sw.js (scope: the whole site). It shows Web Push
// notifications (docs/notifications.md, "Push and desktop") and opens the conversation
// when one is clicked. It caches nothing and handles no fetch.
//
// A push's data is JSON from the server: {title, body, url, tag, conversation, message},
// plain text. Notifications are tagged by conversation, so a newer message replaces the
// older one instead of piling up, and a desktop notification the open page showed for the
// same message (same tag) is replaced rather than doubled.

"use strict";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

function windows() {
  return self.clients.matchAll({ type: "window", includeUncontrolled: true });
}

function parse(event) {
  try {
    const data = event.data ? event.data.json() : null;
    if (data && typeof data.title === "string") return data;
  } catch {
    // not JSON: show a plain notice below
  }
  return { title: "Parley", body: "You have a new message.", url: "/chat/", tag: "parley" };
}

self.addEventListener("push", (event) => {
  const data = parse(event);
  event.waitUntil(
    windows().then((open) => {
      // Someone looking at a Parley tab already sees the message.
      if (open.some((client) => client.visibilityState === "visible" && client.focused)) return undefined;
      return self.registration.showNotification(String(data.title).slice(0, 120), {
        body: String(data.body || "").slice(0, 300),
        tag: String(data.tag || "parley"),
        renotify: true,
        data: { url: String(data.url || "/chat/"), conversation: data.conversation, message: data.message },
      });
    }),
  );
});

/** The path and query of a URL of this site (a push's URL names the public address,
 * which may differ from the one the browser uses); "/chat/" for anything else. */
function samePlace(url) {
  try {
    const parsed = new URL(url, self.location.origin);
    if (/^\/chat\/\d+\/$/.test(parsed.pathname)) return parsed.pathname + parsed.search;
  } catch {
    // fall through
  }
  return "/chat/";
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = samePlace(event.notification.data?.url);
  event.waitUntil(
    windows().then(async (open) => {
      const chat = open.find((client) => new URL(client.url).pathname.startsWith("/chat/")) || open[0];
      if (!chat) return self.clients.openWindow(target);
      await chat.focus();
      // The chat page opens it in place (notify.js); any other page goes there.
      if (new URL(chat.url).pathname.startsWith("/chat/")) chat.postMessage({ type: "parley.open", url: target });
      else if (chat.navigate) await chat.navigate(target);
      return undefined;
    }),
  );
});
