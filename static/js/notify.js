// Telling you of what arrives while you look elsewhere (docs/notifications.md, "Push and
// desktop"):
// - Desktop notifications: while a chat tab is open but hidden, a direct or group
//   message, a mention of you or an incoming call shows a notification (the Notification
//   API), with an optional chime made with WebAudio (no sound file). Clicking it brings
//   the tab forward at that message. The browser's permission is asked only when you
//   press "Turn on desktop notifications", never by itself.
// - Web Push, for when no Parley tab is open: the service worker (/sw.js) shows what the
//   server pushes; this module subscribes the browser (Settings → Notifications) and keeps
//   the server's copy of the subscription current.
//
// Choices made on this device (desktop notifications on or off, the sound) are kept in
// localStorage; they belong to the browser, as the permission does.

import { csrfToken, excerpt, h, textOf } from "./dom.js";

const DESKTOP_KEY = "parley.notify.desktop"; // "off" turns them off on this device
const SOUND_KEY = "parley.notify.sound"; // "on" plays the chime
const DISMISSED_KEY = "parley.notify.prompt-dismissed";
const ENDPOINT_KEY = "parley.push.endpoint"; // the subscription the server was last given

export const supported = () => "Notification" in window;

function stored(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function store(key, value) {
  try {
    if (value == null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // private mode: the choice lasts this page
  }
}

export const preferences = {
  get desktop() {
    return stored(DESKTOP_KEY) !== "off";
  },
  set desktop(on) {
    store(DESKTOP_KEY, on ? null : "off");
  },
  get sound() {
    return stored(SOUND_KEY) === "on";
  },
  set sound(on) {
    store(SOUND_KEY, on ? "on" : null);
  },
};

// --- sound -------------------------------------------------------------------------------

let audio = null;

/** Make the audio context during a user gesture, so that a hidden tab may play later. */
export function unlockSound() {
  if (!("AudioContext" in window)) return;
  audio ||= new AudioContext();
  if (audio.state === "suspended") audio.resume().catch(() => {});
}

/** Two short rising tones, made with WebAudio. */
export function chime() {
  if (!audio || audio.state !== "running") return;
  const start = audio.currentTime + 0.01;
  [660, 990].forEach((frequency, i) => {
    const at = start + i * 0.14;
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.type = "sine";
    tone.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.15, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.22);
    tone.connect(gain).connect(audio.destination);
    tone.start(at);
    tone.stop(at + 0.25);
  });
}

// --- the service worker and Web Push ---------------------------------------------------------

export function registerWorker() {
  if (!("serviceWorker" in navigator)) return Promise.resolve(null);
  return navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((error) => {
    console.warn("parley: no service worker:", error);
    return null;
  });
}

function keyBytes(base64url) {
  const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((base64url.length + 3) % 4));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

async function api(method, path, body) {
  const response = await fetch(`/api/v1/push${path}`, {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try {
      message = (await response.json()).error.message;
    } catch {
      // not JSON
    }
    throw new Error(message);
  }
  return response.status === 204 ? null : response.json();
}

export const pushSupported = () => "serviceWorker" in navigator && "PushManager" in window && supported();

/** This browser's push subscription, if it has one. */
export async function currentSubscription() {
  if (!pushSupported()) return null;
  const registration = await navigator.serviceWorker.getRegistration("/");
  return registration ? registration.pushManager.getSubscription() : null;
}

/** Ask for the permission (call from a click), subscribe this browser and tell the server. */
export async function enablePush() {
  if (!pushSupported()) throw new Error("This browser has no Web Push.");
  const permission = await Notification.requestPermission();
  if (permission !== "granted") throw new Error("Notifications are blocked for this site in the browser's settings.");
  const { enabled, public_key: key } = await api("GET", "/key");
  if (!enabled) throw new Error("Web Push is not configured on this server.");
  await registerWorker();
  const registration = await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
  const saved = await api("POST", "/subscriptions", subscription.toJSON());
  store(ENDPOINT_KEY, subscription.endpoint);
  return saved;
}

/** Stop pushes to this browser: the server forgets it, the browser unsubscribes. */
export async function disablePush() {
  const subscription = await currentSubscription();
  if (!subscription) return;
  await api("POST", "/unsubscribe", { endpoint: subscription.endpoint });
  store(ENDPOINT_KEY, null);
  await subscription.unsubscribe();
}

/** A subscription the browser renewed by itself reaches the server again. */
async function refreshSubscription() {
  const subscription = await currentSubscription();
  if (!subscription || stored(ENDPOINT_KEY) === subscription.endpoint) return;
  try {
    await api("POST", "/subscriptions", subscription.toJSON());
    store(ENDPOINT_KEY, subscription.endpoint);
  } catch (error) {
    console.warn("parley: the push subscription was not renewed:", error.message);
  }
}

// --- desktop notifications in the chat page -------------------------------------------------

/** A call ringing for you: "call.ring" (docs/protocol.md), or a like name. */
function isRinging(frame) {
  return typeof frame.type === "string" && /^call\.(ring|ringing|incoming|invite)$/.test(frame.type);
}

export class DesktopNotifier {
  /**
   * @param {object} app the chat page: socket, view ({me}), conversations() summaries,
   *   open(id, {at}) to show a conversation, els.app (where the prompt goes)
   */
  constructor(app) {
    this.app = app;
    this.shown = new Map(); // tag → Notification, to close when you come back
    this.server = null; // your preferences (Settings → Notifications), once loaded
    app.socket.addEventListener("frame", ({ detail }) => this.frame(detail));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.closeAll();
      else this.loadPreferences(); // changed in another tab meanwhile
    });
    this.loadPreferences();
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.addEventListener("message", (event) => this.fromWorker(event.data));
      navigator.serviceWorker.startMessages?.();
    }
    addEventListener("pointerdown", () => preferences.sound && unlockSound(), { passive: true });
    this.showPrompt();
    if (supported() && Notification.permission === "granted") registerWorker().then(() => refreshSubscription());
  }

  get allowed() {
    return supported() && Notification.permission === "granted" && preferences.desktop;
  }

  /** Your notification preferences (GET /api/v1/notifications), as the server applies
   * them to push and email. */
  async loadPreferences() {
    try {
      const response = await fetch("/api/v1/notifications", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.ok) this.server = await response.json();
    } catch {
      // offline: the last ones (or the defaults) hold
    }
  }

  /** Whether a message is one you are told of, by the same rule as push and email
   * (parley/notifications/policy.py): never your own; nothing under do-not-disturb or
   * with desktop notifications off; else by the conversation's level (yours, its room's,
   * or the default: everything in direct and group conversations, mentions in rooms). */
  notifies(message, conversation) {
    const me = this.app.view.me.id;
    if (message.sender.id === me) return false;
    const mentioned = (message.mentions || []).includes(me);
    const kind = conversation ? conversation.kind : "chat";
    const prefs = this.server;
    if (prefs && (prefs.do_not_disturb || !prefs.desktop)) return false;
    const chosen =
      prefs && conversation
        ? conversation.room
          ? prefs.rooms[String(conversation.room.id)]
          : prefs.conversations[String(conversation.id)]
        : null;
    const level = chosen || (kind === "chat" ? "mentions" : "everything");
    if (level === "nothing") return false;
    return mentioned || level === "everything";
  }

  frame(frame) {
    if (frame.type === "call.ring_stopped") {
      // Answered elsewhere, declined, timed out or ended: the call's notification goes.
      this.shown.get(`parley-call-${frame.call}`)?.close();
      return;
    }
    if (document.visibilityState !== "hidden" || !this.allowed) return;
    if (frame.type === "message" && frame.message) {
      const conversation = this.app.conversations().find((c) => c.id === frame.conversation);
      if (frame.message.deleted || !this.notifies(frame.message, conversation)) return;
      this.show(frame.conversation, frame.seq, this.titleOf(frame.message, conversation), excerpt(textOf(frame.message), 200));
    } else if (isRinging(frame) && !this.server?.do_not_disturb && this.server?.desktop !== false) {
      // docs/protocol.md: {"type": "call.ring", "call": {id, conversation, kind, started_by…}}
      const call = frame.call || frame;
      const caller = call.started_by?.name || frame.caller?.name || frame.user?.name || "Someone";
      const what = call.kind === "video" ? "a video call" : "a call";
      this.show(call.conversation, null, `${caller} is calling`, `Open Parley to answer ${what}.`, {
        requireInteraction: true,
        tag: `parley-call-${call.id ?? ""}`,
      });
    }
  }

  titleOf(message, conversation) {
    if (!conversation || conversation.kind === "direct") return message.sender.name;
    return `${message.sender.name} in ${conversation.title}`;
  }

  show(conversationId, seq, title, body, extra = {}) {
    const tag = extra.tag || `parley-conversation-${conversationId}`;
    let notification;
    try {
      notification = new Notification(title, { body, tag, renotify: true, ...extra });
    } catch {
      // Browsers that allow notifications only from a service worker (Android).
      navigator.serviceWorker?.ready.then((registration) =>
        registration.showNotification(title, { body, tag, data: { url: this.urlOf(conversationId, seq) }, ...extra }),
      );
      if (preferences.sound) chime();
      return;
    }
    this.shown.set(tag, notification);
    notification.addEventListener("click", () => {
      window.focus();
      notification.close();
      if (conversationId) this.app.open(conversationId, { at: seq });
    });
    notification.addEventListener("close", () => {
      if (this.shown.get(tag) === notification) this.shown.delete(tag);
    });
    if (preferences.sound) chime();
  }

  urlOf(conversationId, seq) {
    return conversationId ? `/chat/${conversationId}/${seq ? `?at=${seq}` : ""}` : "/chat/";
  }

  closeAll() {
    for (const notification of this.shown.values()) notification.close();
    this.shown.clear();
  }

  /** The service worker's "open this" after a click on a push notification. */
  fromWorker(data) {
    if (!data || data.type !== "parley.open" || typeof data.url !== "string") return;
    const url = new URL(data.url, location.origin);
    const match = url.pathname.match(/^\/chat\/(\d+)\/$/);
    if (!match) return;
    const at = Number(url.searchParams.get("at")) || null;
    this.app.open(Number(match[1]), { at });
  }

  // --- the prompt ---------------------------------------------------------------------------

  showPrompt() {
    if (!supported() || Notification.permission !== "default" || stored(DISMISSED_KEY)) return;
    const turnOn = h("button", { type: "button" }, "Turn on desktop notifications");
    const later = h("button", { type: "button", class: "link" }, "Not now");
    const prompt = h(
      "div",
      { class: "ch-notify-prompt", role: "region", "aria-label": "Desktop notifications" },
      h("p", {}, "Be told of direct messages, mentions and calls while Parley is in the background."),
      turnOn,
      later,
    );
    turnOn.addEventListener("click", async () => {
      unlockSound();
      const answer = await Notification.requestPermission();
      prompt.remove();
      if (answer === "granted") {
        preferences.desktop = true;
        registerWorker();
        this.app.announce?.("Desktop notifications are on. Settings → Notifications has the sound and push.");
      }
    });
    later.addEventListener("click", () => {
      store(DISMISSED_KEY, "1");
      prompt.remove();
    });
    this.app.els.app.before(prompt);
  }
}

// --- the settings page -------------------------------------------------------------------------

/** Settings → Notifications: this device's switches and Web Push for this browser. */
export function setUpSettings(root) {
  const status = root.querySelector("[data-push-status]");
  const enable = root.querySelector("[data-push-enable]");
  const disable = root.querySelector("[data-push-disable]");
  const desktop = root.querySelector("[data-desktop]");
  const sound = root.querySelector("[data-sound]");
  const permission = root.querySelector("[data-permission]");
  const say = (text) => {
    status.textContent = text;
  };

  const showPermission = () => {
    if (!permission) return;
    permission.textContent = !supported()
      ? "This browser cannot show notifications."
      : { granted: "Allowed", denied: "Blocked (change it in the browser's site settings)", default: "Not asked yet" }[
          Notification.permission
        ];
  };
  showPermission();
  if (desktop) {
    desktop.checked = preferences.desktop;
    desktop.addEventListener("change", async () => {
      preferences.desktop = desktop.checked;
      if (desktop.checked && supported() && Notification.permission === "default") await Notification.requestPermission();
      showPermission();
    });
  }
  if (sound) {
    sound.checked = preferences.sound;
    sound.addEventListener("change", () => {
      preferences.sound = sound.checked;
      if (sound.checked) {
        unlockSound();
        chime(); // what it sounds like
      }
    });
  }
  if (root.dataset.push !== "on") return;
  const showPush = async () => {
    if (!pushSupported()) {
      enable.hidden = disable.hidden = true;
      say("This browser has no Web Push.");
      return;
    }
    const subscription = await currentSubscription();
    enable.hidden = Boolean(subscription);
    disable.hidden = !subscription;
    say(subscription ? "Push is on for this browser." : "Push is off for this browser.");
  };
  enable.addEventListener("click", async () => {
    enable.disabled = true;
    say("Turning push on…");
    try {
      await enablePush();
      location.reload(); // the list of browsers shows this one
    } catch (error) {
      say(`Push was not turned on: ${error.message}`);
      enable.disabled = false;
      showPermission();
    }
  });
  disable.addEventListener("click", async () => {
    disable.disabled = true;
    try {
      await disablePush();
      location.reload();
    } catch (error) {
      say(`Push was not turned off: ${error.message}`);
      disable.disabled = false;
    }
  });
  showPush();
}
