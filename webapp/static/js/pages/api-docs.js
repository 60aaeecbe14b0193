// The API reference: Redoc (vendored, webapp/static/vendor/redoc-2.5.4) renders the OpenAPI
// document. Redoc injects its styles at run time: they carry the page's CSP nonce.
const root = document.getElementById("api-reference");

// Redoc's menu shows a "by Redocly" logo from its CDN; nothing here loads from another origin
// (the CSP would refuse it and log an error), so such an image never gets its source and Redoc
// drops it on the error.
const foreign = (value) => new URL(String(value), location.href).origin !== location.origin;
const refuse = (img) => queueMicrotask(() => img.dispatchEvent(new Event("error")));
const setAttribute = Element.prototype.setAttribute;
HTMLImageElement.prototype.setAttribute = function (name, value) {
  if (String(name).toLowerCase() === "src" && foreign(value)) return refuse(this);
  return setAttribute.call(this, name, value);
};
const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
Object.defineProperty(HTMLImageElement.prototype, "src", {
  ...src,
  set(value) { return foreign(value) ? refuse(this) : src.set.call(this, value); },
});

function start() {
  if (!window.Redoc) {
    root.textContent = "The API reference could not load; the raw document is at " +
      root.dataset.specUrl;
    return;
  }
  window.Redoc.init(root.dataset.specUrl, {
    nonce: root.dataset.nonce,
    hideDownloadButton: false,
    expandResponses: "200,201,202",
    jsonSampleExpandLevel: 2,
    theme: { typography: { fontFamily: "system-ui, -apple-system, Segoe UI, sans-serif",
                           headings: { fontFamily: "system-ui, -apple-system, Segoe UI, sans-serif" },
                           code: { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace" } } },
  }, root);
}

// Module scripts run after deferred classic scripts, so Redoc is there by now.
start();
