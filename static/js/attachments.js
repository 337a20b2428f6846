// Files in messages: the composer's Attach button, drag and drop and paste, each file
// uploaded at once to the open conversation with a progress bar (XMLHttpRequest's upload
// progress; fetch has none), and the ids the next send carries (docs/files.md). Also how a
// message shows its files (attachmentsElement), and the full-size image viewer.
//
// The server decides everything (size, type, who may fetch); the limits here only spare
// a doomed upload. A message may be sent once every upload is done; failed ones are
// dropped from it with a note.

import { csrfToken, h } from "./dom.js";

const UNITS = ["bytes", "KB", "MB", "GB"];

/** 1234567 → "1.2 MB". */
export function formatSize(bytes) {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} ${value === 1 ? "byte" : "bytes"}` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** A short name for a MIME type: "application/pdf" → "PDF", "image/png" → "PNG image". */
function kindOf(type) {
  const [major, minor = ""] = type.split("/");
  if (type === "application/octet-stream") return "File";
  if (type === "text/plain") return "Text";
  if (major === "image") return `${minor.toUpperCase()} image`;
  return minor.toUpperCase();
}

/** A message's files: images as thumbnails that open the viewer, others as cards. */
export function attachmentsElement(message) {
  const files = message.attachments || [];
  if (!files.length) return null;
  return h(
    "ul",
    { class: "ch-files", "aria-label": files.length === 1 ? "Attached file" : `${files.length} attached files` },
    files.map((file) => h("li", { class: file.thumbnail_url ? "ch-file is-image" : "ch-file" }, fileContent(file))),
  );
}

function fileContent(file) {
  const label = `${file.name}, ${kindOf(file.type)}, ${formatSize(file.size)}`;
  if (file.thumbnail_url) {
    return h(
      "a",
      { href: file.view_url, class: "ch-file-thumb", "data-viewer": "", "data-download": file.url, "data-name": file.name, "aria-label": `View image ${label}` },
      h("img", { src: file.thumbnail_url, alt: file.name, loading: "lazy", width: file.width && Math.min(file.width, 400), decoding: "async" }),
    );
  }
  return h(
    "a",
    { href: file.url, class: "ch-file-card", download: file.name, "aria-label": `Download ${label}` },
    h("span", { class: "ch-file-icon", "aria-hidden": "true" }, "📄"),
    h("span", { class: "ch-file-name" }, file.name),
    h("span", { class: "ch-file-meta" }, `${kindOf(file.type)} · ${formatSize(file.size)}`),
  );
}

/** The full-size viewer: a modal dialog (Escape or Close shuts it, focus returns). */
class Viewer {
  constructor() {
    this.image = h("img", { class: "ch-viewer-image", alt: "" });
    this.title = h("h2", { id: "ch-viewer-title", class: "ch-viewer-title" });
    this.download = h("a", { class: "button secondary", download: "" }, "Download");
    this.close = h("button", { type: "button", class: "secondary" }, "Close");
    this.dialog = h(
      "dialog",
      { class: "ch-viewer", "aria-labelledby": "ch-viewer-title" },
      h("div", { class: "ch-viewer-bar" }, this.title, this.download, this.close),
      this.image,
    );
    this.close.addEventListener("click", () => this.dialog.close());
    this.dialog.addEventListener("click", (event) => {
      if (event.target === this.dialog) this.dialog.close(); // the backdrop
    });
    document.body.append(this.dialog);
  }

  open(link) {
    this.title.textContent = link.dataset.name;
    this.image.alt = link.dataset.name;
    this.image.src = link.href;
    this.download.href = link.dataset.download;
    this.dialog.showModal();
    this.close.focus();
  }
}

export class Attachments {
  /**
   * @param {object} app the chat page: els, current(), canSend(), showError(text),
   *   clearError(), announce(text), limits {file_bytes, files_per_message}
   */
  constructor(app) {
    this.app = app;
    this.limits = app.limits || { file_bytes: 25 * 1024 * 1024, files_per_message: 10 };
    /** @type {{file: File, conversation: number, state: string, attachment?: object, xhr?: XMLHttpRequest, element: Element, bar: Element, note: Element}[]} */
    this.items = [];
    const form = app.els.composer;
    this.picker = h("input", { type: "file", multiple: true, hidden: true, tabindex: "-1", "aria-hidden": "true" });
    this.button = h("button", { type: "button", class: "secondary ch-compose-tool ch-attach", "aria-label": "Attach files", title: "Attach files (or drop or paste them)" }, "📎");
    this.tray = h("ul", { class: "ch-uploads", "aria-label": "Files to send" });
    this.tray.hidden = true;
    form.querySelector("button[type=submit]").before(this.button);
    form.append(this.picker);
    app.els.input.before(this.tray);

    this.button.addEventListener("click", () => this.picker.click());
    this.picker.addEventListener("change", () => {
      this.add([...this.picker.files]);
      this.picker.value = "";
    });
    form.addEventListener("dragover", (event) => {
      if (!event.dataTransfer?.types.includes("Files")) return;
      event.preventDefault();
      form.classList.add("is-dropping");
    });
    form.addEventListener("dragleave", () => form.classList.remove("is-dropping"));
    form.addEventListener("drop", (event) => {
      form.classList.remove("is-dropping");
      if (!event.dataTransfer?.files.length) return;
      event.preventDefault();
      this.add([...event.dataTransfer.files]);
    });
    app.els.input.addEventListener("paste", (event) => {
      const files = [...(event.clipboardData?.files || [])];
      if (!files.length) return;
      event.preventDefault();
      this.add(files);
    });
    this.viewer = new Viewer();
    app.els.log.addEventListener("click", (event) => {
      const link = event.target.closest("a[data-viewer]");
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      this.viewer.open(link);
    });
  }

  /** Whether the open conversation can take files (a first direct message cannot yet). */
  available() {
    return Boolean(this.app.current()) && this.app.canSend();
  }

  add(files) {
    if (!this.available()) {
      this.app.showError("Files can be attached once the conversation has its first message.");
      return;
    }
    const room = this.limits.files_per_message - this.items.length;
    if (files.length > room) {
      this.app.showError(`A message may hold at most ${this.limits.files_per_message} files.`);
      files = files.slice(0, Math.max(room, 0));
    }
    for (const file of files) this.upload(file);
  }

  upload(file) {
    const item = { file, conversation: this.app.current(), state: "uploading" };
    item.bar = h("progress", { max: "1", value: "0", "aria-label": `Uploading ${file.name}` });
    item.note = h("span", { class: "ch-upload-note" }, formatSize(file.size));
    const remove = h("button", { type: "button", class: "link", "aria-label": `Remove ${file.name}` }, "Remove");
    item.element = h("li", { class: "ch-upload is-uploading" }, h("span", { class: "ch-upload-name" }, file.name), item.bar, item.note, remove);
    remove.addEventListener("click", () => this.remove(item));
    this.items.push(item);
    this.tray.append(item.element);
    this.tray.hidden = false;
    if (file.size > this.limits.file_bytes) {
      this.failed(item, `over ${formatSize(this.limits.file_bytes)}`);
      return;
    }
    const xhr = new XMLHttpRequest();
    item.xhr = xhr;
    xhr.open("POST", `/api/v1/conversations/${item.conversation}/attachments`);
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) item.bar.value = event.loaded / event.total;
    });
    xhr.addEventListener("load", () => {
      if (xhr.status === 201 && xhr.response?.attachment) {
        item.state = "done";
        item.attachment = xhr.response.attachment;
        item.bar.value = 1;
        item.element.classList.replace("is-uploading", "is-done");
        item.note.textContent = `${kindOf(item.attachment.type)} · ${formatSize(item.attachment.size)} · ready`;
        this.app.announce?.(`${file.name} uploaded`);
      } else {
        this.failed(item, xhr.response?.error?.message || `the server answered ${xhr.status}`);
      }
    });
    xhr.addEventListener("error", () => this.failed(item, "the upload was cut off"));
    const data = new FormData();
    data.append("file", file);
    data.append("name", file.name);
    xhr.send(data);
  }

  failed(item, reason) {
    item.state = "failed";
    item.element.classList.replace("is-uploading", "is-failed");
    item.bar.hidden = true;
    item.note.textContent = `Not uploaded: ${reason}`;
    this.app.showError(`${item.file.name}: ${reason}`);
  }

  remove(item) {
    item.xhr?.abort();
    item.element.remove();
    this.items = this.items.filter((other) => other !== item);
    this.tray.hidden = !this.items.length;
  }

  /** Whether an upload is still under way (the send waits for it). */
  busy() {
    return this.items.some((item) => item.state === "uploading");
  }

  /** The uploaded files for the next send, taken out of the composer. */
  take() {
    const ready = this.items.filter((item) => item.state === "done" && item.conversation === this.app.current());
    this.clear();
    return ready.map((item) => item.attachment);
  }

  /** Drop everything (sent, or the conversation changed: uploads belong to theirs). */
  clear() {
    for (const item of this.items) if (item.state === "uploading") item.xhr?.abort();
    this.items = [];
    this.tray.replaceChildren();
    this.tray.hidden = true;
  }
}
