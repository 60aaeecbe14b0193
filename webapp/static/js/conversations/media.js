// A message's media in its bubble: photo thumbnails (click opens the full size), an audio
// player for voice notes and audio, a video player, a download link for documents, small
// stickers, and the "Downloading…" / "Media unavailable: <reason>" states the gateway reports
// (a message.updated event re-renders the bubble when they change). The bytes come from
// GET /api/v1/messages/:id/media with the session cookie: no other URL reaches them.

import { h } from "../core/dom.js";
import { bytes } from "../core/format.js";
import { icon } from "../core/icons.js";

const KINDS = { image: "Photo", video: "Video", audio: "Audio", document: "Document",
  sticker: "Sticker" };

/** The authenticated URL of a message's file. */
export function mediaUrl(msg) {
  return `/api/v1/messages/${msg.id}/media`;
}

function duration(seconds) {
  if (!seconds) return "";
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

function summary(media, extra = null) {
  const name = media.filename || KINDS[media.type] || media.mime || media.type;
  return h("div", { class: `msg-media media-${media.type}` },
    icon(media.type in KINDS ? media.type : "document"),
    h("span", { class: "media-name" }, name),
    media.size ? h("span", { class: "media-size" }, bytes(media.size)) : null,
    extra);
}

function pending(media) {
  return h("div", { class: "msg-media media-state media-downloading", role: "status" },
    icon("clock"), h("span", {}, `Downloading ${(KINDS[media.type] || "file").toLowerCase()}…`),
    media.size ? h("span", { class: "media-size" }, bytes(media.size)) : null);
}

let retryHandler = null; // set for members and up: (msg, button) => Promise

/** Offer "Retry" on media the gateway gave up on (members and up; viewers see no button). */
export function setMediaRetry(handler) {
  retryHandler = handler;
}

function unavailable(msg, media) {
  const retry = retryHandler ? h("button", {
    class: "btn btn-sm media-retry", type: "button", title: "Ask the gateway to download it again",
    "aria-label": "Retry the download",
    on: { click: (ev) => retryHandler(msg, ev.currentTarget) },
  }, "Retry") : null;
  return h("div", { class: "msg-media media-state media-unavailable" },
    icon("alert"), h("span", {}, `Media unavailable: ${media.reason || "not downloaded"}`),
    retry);
}

function image(msg, media, cls) {
  const label = media.type === "sticker" ? "Sticker" : (media.caption || "Photo");
  return h("a", {
    class: `media-link ${cls}`, href: mediaUrl(msg), target: "_blank", rel: "noopener",
    title: "Open the full size", "aria-label": `Open ${label.slice(0, 60)} full size`,
  }, h("img", { src: mediaUrl(msg), alt: label, loading: "lazy", decoding: "async" }));
}

function player(msg, media) {
  const voice = media.type === "audio" && media.voice;
  const tag = media.type === "video" ? "video" : "audio";
  return h("div", { class: `media-player media-${media.type}${voice ? " media-voice" : ""}` },
    tag === "audio" ? h("span", { class: "media-player-label" },
      icon("audio"), voice ? "Voice note" : (media.filename || "Audio"),
      media.seconds ? h("span", { class: "media-size" }, duration(media.seconds)) : null)
      : null,
    h(tag, { controls: true, preload: "metadata", src: mediaUrl(msg),
      "aria-label": voice ? "Voice note" : KINDS[media.type] }));
}

function documentLink(msg, media) {
  const name = media.filename || `${KINDS[media.type] || "File"}`;
  return h("a", {
    class: "msg-media media-document media-file", href: mediaUrl(msg), download: name,
    title: `Download ${name}`,
  }, icon("document"),
  h("span", { class: "media-file-text" },
    h("span", { class: "media-name" }, name),
    h("span", { class: "media-size" },
      [media.size ? bytes(media.size) : "", (media.mime || "").split("/")[1] || ""]
        .filter(Boolean).join(" · ").toUpperCase())),
  icon("download", { cls: "media-download" }));
}

/** The media part of a message's bubble (null when it has none). */
export function mediaBlock(msg) {
  const media = msg.media;
  if (!media) return null;
  if (media.state === "downloading") return pending(media);
  if (media.state === "unavailable") return unavailable(msg, media);
  if (media.state !== "ready") return summary(media);  // from before files were kept
  if (media.type === "image") return image(msg, media, "media-thumb");
  if (media.type === "sticker") return image(msg, media, "media-sticker");
  if (media.type === "audio" || media.type === "video") return player(msg, media);
  return documentLink(msg, media);
}
