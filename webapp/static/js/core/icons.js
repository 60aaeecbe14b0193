// Inline SVG icons (built with the DOM, so the CSP stays strict). 24x24, stroke = currentColor.

const NS = "http://www.w3.org/2000/svg";

const PATHS = {
  check: ["M5 12.5l4.5 4.5L19 7.5"],
  checks: ["M2.5 12.5L7 17l9.5-9.5", "M11.5 16.2l.8.8 9.5-9.5"],
  clock: ["M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z", "M12 7.5V12l3 2"],
  alert: ["M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z", "M12 7.5v5.5", "M12 16.5v.01"],
  sparkle: ["M12 3l1.8 5.2L19 10l-5.2 1.8L12 17l-1.8-5.2L5 10l5.2-1.8z", "M19 16l.7 1.8 1.8.7-1.8.7L19 21l-.7-1.8-1.8-.7 1.8-.7z"],
  tag: ["M3.5 12.5V4h8.5l8.5 8.5-8.5 8.5z", "M8 8.5v.01"],
  reply: ["M9.5 7L4.5 12l5 5", "M5 12h9a5.5 5.5 0 0 1 5.5 5.5V19"],
  forward: ["M14.5 7l5 5-5 5", "M19 12h-9A5.5 5.5 0 0 0 4.5 17.5V19"],
  image: ["M4 5h16v14H4z", "M4 16l5-5 4 4 3-3 4 4", "M15.5 9.5v.01"],
  video: ["M3.5 6.5h12v11h-12z", "M15.5 10.5l5-3v9l-5-3"],
  audio: ["M9 18V6l11-2v12", "M9 18a3 3 0 1 1-6 0 3 3 0 0 1 6 0z",
    "M20 16a3 3 0 1 1-6 0 3 3 0 0 1 6 0z"],
  document: ["M6 3h8l5 5v13H6z", "M14 3v5h5", "M9 13h7", "M9 17h5"],
  sticker: ["M12 21a9 9 0 1 1 9-9l-9 9z", "M12 21c0-5 4-9 9-9", "M9 10v.01", "M15 9v.01"],
  ban: ["M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z", "M5.7 5.7l12.6 12.6"],
  paperclip: ["M20 11.5l-8.2 8.2a5 5 0 0 1-7.1-7.1l8.6-8.6a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4l7.9-7.9"],
  download: ["M12 4v11", "M7 10.5l5 5 5-5", "M5 19.5h14"],
  comment: ["M4 5h16v11H9l-5 4z"],
  users: ["M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8z", "M2 21v-1a6 6 0 0 1 6-6h2a6 6 0 0 1 6 6v1",
    "M16 3.5a4 4 0 0 1 0 7.5", "M22 21v-1a6 6 0 0 0-4-5.6"],
};

/** An <svg> icon; decorative (aria-hidden) unless a label is given. */
export function icon(name, { label = "", cls = "" } = {}) {
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", `icon icon-${name} ${cls}`.trim());
  svg.setAttribute("fill", "none");
  svg.setAttribute("stroke", "currentColor");
  svg.setAttribute("stroke-width", "1.8");
  svg.setAttribute("stroke-linecap", "round");
  svg.setAttribute("stroke-linejoin", "round");
  if (label) {
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label);
  } else {
    svg.setAttribute("aria-hidden", "true");
  }
  svg.setAttribute("focusable", "false");
  for (const d of PATHS[name] || []) {
    const path = document.createElementNS(NS, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}
