// The incoming-call prompt: a modal dialog (so focus stays in it and returns where it
// was) that rings, with Accept and Decline. Escape declines. One call at a time is shown;
// another that rings meanwhile waits behind it.

import { avatar, h } from "../dom.js";
import { Tone } from "./audio.js";

export class IncomingPrompt {
  /**
   * @param {object} options
   * @param {string[]} options.palette
   * @param {(call: object) => string} options.where the conversation's title for a call
   * @param {(call: object) => void} options.accept
   * @param {(call: object) => void} options.decline
   */
  constructor({ palette, where, accept, decline }) {
    this.palette = palette;
    this.where = where;
    this.tone = new Tone("incoming");
    /** @type {Map<number, object>} calls ringing for you, by id, oldest first */
    this.queue = new Map();
    this.shown = null;
    this.returnFocus = null;
    this.picture = h("div", { class: "call-prompt-avatar" });
    this.heading = h("h2", { id: "call-prompt-title" });
    this.detail = h("p", { id: "call-prompt-detail" });
    this.acceptButton = h("button", { type: "button", class: "call-accept", autofocus: true }, "Accept");
    this.declineButton = h("button", { type: "button", class: "call-decline danger" }, "Decline");
    this.dialog = h(
      "dialog",
      { class: "call-prompt", "aria-labelledby": "call-prompt-title", "aria-describedby": "call-prompt-detail" },
      this.picture,
      this.heading,
      this.detail,
      h("div", { class: "call-prompt-buttons" }, this.declineButton, this.acceptButton),
    );
    this.acceptButton.addEventListener("click", () => this.answer(accept));
    this.declineButton.addEventListener("click", () => this.answer(decline));
    this.dialog.addEventListener("cancel", (event) => {
      event.preventDefault(); // Escape: decline, through the same path
      this.answer(decline);
    });
    document.body.append(this.dialog);
  }

  /** A call rings for you (call.ring). */
  ring(call) {
    this.queue.set(call.id, call);
    if (!this.shown) this.showNext();
  }

  /** It stopped ringing (answered elsewhere, declined, timed out, ended). */
  stop(callId) {
    this.queue.delete(callId);
    if (this.shown?.id === callId) this.close();
  }

  answer(handler) {
    const call = this.shown;
    if (!call) return;
    this.queue.delete(call.id);
    this.close();
    handler(call);
  }

  showNext() {
    const call = this.queue.values().next().value;
    if (!call) return;
    this.shown = call;
    const caller = call.started_by;
    const video = call.kind === "video";
    this.picture.replaceChildren(avatar(caller, this.palette));
    this.heading.textContent = `${caller.name} is calling`;
    const where = this.where(call);
    this.detail.textContent = `${video ? "Video" : "Voice"} call${where && where !== caller.name ? ` in ${where}` : ""}`;
    this.acceptButton.textContent = video ? "Accept video call" : "Accept voice call";
    if (!this.dialog.open) {
      this.returnFocus = document.activeElement;
      this.dialog.showModal();
    }
    this.acceptButton.focus();
    this.tone.start();
  }

  close() {
    this.shown = null;
    this.tone.stop();
    if (this.queue.size) {
      this.showNext();
      return;
    }
    if (this.dialog.open) this.dialog.close();
    if (this.returnFocus?.isConnected) this.returnFocus.focus({ preventScroll: true });
    this.returnFocus = null;
  }

  get ringing() {
    return this.shown;
  }
}
