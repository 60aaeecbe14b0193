// Runs before the first paint (a classic script in <head>: the CSP allows it, it is not inline).
// Applies the remembered theme (light, dark, or the system's) so a dark page never flashes light.
// static/js/core/theme.js owns the choice afterwards (per user, from the settings menu).
(function bootTheme() {
  var root = document.documentElement;
  var pref = "system";
  try { pref = window.localStorage.getItem("mf-theme") || "system"; } catch (e) { /* private mode */ }
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function apply() {
    var current = root.getAttribute("data-theme-pref") || pref;
    var dark = current === "dark" || (current === "system" && media !== null && media.matches);
    root.setAttribute("data-theme", dark ? "dark" : "light");
  }
  root.setAttribute("data-theme-pref", pref);
  apply();
  if (media && media.addEventListener) media.addEventListener("change", apply);
})();
