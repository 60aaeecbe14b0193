// Attaching a file to a reply: the paperclip button opens the file picker, a file dropped on
// the thread does the same; a chip shows the file (name, size, remove) until it is sent.
// The server checks size and type (413/415 come back as the send's error message).

import { $, h } from "../core/dom.js";
import { bytes } from "../core/format.js";
import { icon } from "../core/icons.js";

function kindOf(file) {
  const type = (file.type || "").split("/")[0];
  return ["image", "video", "audio"].includes(type) ? type : "document";
}

/** options: enabled (may this user send), onChange(file | null). */
export function createAttach(options) {
  const button = $("#attach-button");
  const picker = $("#attach-input");
  const chip = $("#composer-attachment");
  const thread = $("#thread");
  let file = null;

  function render() {
    chip.hidden = !file;
    chip.replaceChildren();
    if (!file) return;
    chip.append(icon(kindOf(file)),
      h("span", { class: "media-name" }, file.name || "file"),
      h("span", { class: "media-size" }, bytes(file.size)),
      h("button", {
        type: "button", class: "btn-icon attachment-remove", "aria-label": `Remove ${file.name}`,
        on: { click: () => set(null) },
      }, "×"));
  }

  function set(next) {
    file = next;
    render();
    options.onChange(file);
  }

  button.append(icon("paperclip"));
  button.hidden = !options.enabled;
  if (options.enabled) {
    button.addEventListener("click", () => picker.click());
    picker.addEventListener("change", () => {
      if (picker.files && picker.files[0]) set(picker.files[0]);
      picker.value = "";
    });
    const hasFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
    thread.addEventListener("dragover", (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      thread.classList.add("drop-target");
    });
    thread.addEventListener("dragleave", () => thread.classList.remove("drop-target"));
    thread.addEventListener("drop", (event) => {
      thread.classList.remove("drop-target");
      if (!hasFiles(event)) return;
      event.preventDefault();
      const dropped = event.dataTransfer.files[0];
      if (dropped) set(dropped);
    });
  }

  return {
    /** The attached file, or null. */
    get file() { return file; },
    /** Forget the attached file (after sending it, or when switching conversations). */
    clear() { if (file) set(null); },
  };
}
