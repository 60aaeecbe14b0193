// Small DOM helpers shared by every screen: element builder, queries, announcements, toasts.

/**
 * Build an element: h("button", {class: "btn", type: "button", on: {click: fn}}, "Save").
 * Attributes: class, dataset {}, on {event: fn}, hidden/disabled (booleans), text; others are
 * set with setAttribute. Children: nodes, strings (as text, never HTML), arrays, null/false.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "on") {
      for (const [ev, fn] of Object.entries(value)) el.addEventListener(ev, fn);
    }
    else if (key === "text") el.textContent = value;
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/** Append children (nodes, strings, nested arrays; null and false are skipped). */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** querySelector that throws when a required element is missing (a template bug). */
export function $(selector, root = document) {
  const el = root.querySelector(selector);
  if (!el) throw new Error(`missing element ${selector}`);
  return el;
}

/** All matches as an array. */
export function $$(selector, root = document) {
  return Array.from(root.querySelectorAll(selector));
}

/** Remove every child. */
export function clear(el) {
  el.replaceChildren();
  return el;
}

/** Tell screen readers something happened (the layout's polite live region). */
export function announce(text) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  // A fresh text node after a tick makes repeated identical announcements audible too.
  window.setTimeout(() => { region.textContent = text; }, 50);
}

/** A transient notice in the corner: kind is "info" or "error". */
export function toast(message, kind = "info", ms = 5000) {
  const host = document.getElementById("toasts");
  if (!host) return;
  const el = h("div", { class: `toast toast-${kind}` }, message);
  host.append(el);
  window.setTimeout(() => el.remove(), ms);
}

/** Call fn once calls have paused for `ms` (the last call's arguments win). */
export function debounce(fn, ms) {
  let timer = 0;
  return (...args) => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => fn(...args), ms);
  };
}
