// The colour theme: "system" (the default: follows prefers-color-scheme), "light" or "dark",
// remembered per user in this browser (localStorage "mf-theme:<user id>"); "mf-theme" holds the
// last choice so theme-boot.js can paint the next page in it before any script runs.

const CHOICES = ["system", "light", "dark"];
const media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

function read(key) {
  try { return window.localStorage.getItem(key); } catch { return null; }
}

function write(key, value) {
  try { window.localStorage.setItem(key, value); } catch { /* private mode: this page only */ }
}

/** The current preference ("system", "light" or "dark"). */
export function themePreference() {
  const pref = document.documentElement.dataset.themePref;
  return CHOICES.includes(pref) ? pref : "system";
}

/** Apply a preference now (data-theme on <html> is what the CSS reads). */
export function applyTheme(pref) {
  const choice = CHOICES.includes(pref) ? pref : "system";
  const root = document.documentElement;
  root.dataset.themePref = choice;
  const dark = choice === "dark" || (choice === "system" && media !== null && media.matches);
  root.dataset.theme = dark ? "dark" : "light";
  return choice;
}

/** Choose a theme for this user (and as this browser's next first paint). */
export function chooseTheme(pref, userId) {
  const choice = applyTheme(pref);
  write("mf-theme", choice);
  if (userId !== undefined && userId !== null) write(`mf-theme:${userId}`, choice);
  return choice;
}

/** Once the user is known: apply their own remembered theme (another user may have used
 * this browser last). */
export function restoreUserTheme(userId) {
  const own = read(`mf-theme:${userId}`);
  if (own && CHOICES.includes(own)) {
    applyTheme(own);
    write("mf-theme", own);
  }
  return themePreference();
}
