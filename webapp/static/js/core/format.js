// Presentation helpers: times in the viewer's own time zone and locale, names, sizes.

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const weekdayFmt = new Intl.DateTimeFormat(undefined, { weekday: "short" });
const shortDateFmt = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const yearDateFmt = new Intl.DateTimeFormat(undefined,
  { day: "numeric", month: "short", year: "numeric" });
const dayFmt = new Intl.DateTimeFormat(undefined,
  { weekday: "long", day: "numeric", month: "long", year: "numeric" });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "medium" });
const shortDayFmt = new Intl.DateTimeFormat(undefined,
  { weekday: "short", day: "numeric", month: "short" });

const DAY_MS = 86400000;

function startOfDay(date) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

function daysAgo(date, now = new Date()) {
  return Math.round((startOfDay(now) - startOfDay(date)) / DAY_MS);
}

/** Milliseconds since the epoch of an RFC 3339 time (0 when missing), for ordering. */
export function epochMs(iso) {
  return (iso && Date.parse(iso)) || 0;
}

/** "14:05" in the viewer's time zone. */
export function clockTime(iso) {
  return iso ? timeFmt.format(new Date(iso)) : "";
}

/** Sidebar stamp: time today, "Yesterday", weekday within a week, else a date. */
export function listTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const ago = daysAgo(date);
  if (ago <= 0) return timeFmt.format(date);
  if (ago === 1) return "Yesterday";
  if (ago < 7) return weekdayFmt.format(date);
  return (date.getFullYear() === new Date().getFullYear() ? shortDateFmt : yearDateFmt)
    .format(date);
}

/** Day separator: "Today", "Yesterday" or the full date. */
export function dayLabel(iso) {
  const date = new Date(iso);
  const ago = daysAgo(date);
  if (ago === 0) return "Today";
  if (ago === 1) return "Yesterday";
  return dayFmt.format(date);
}

/** A key that changes when the local calendar day changes. */
export function dayKey(iso) {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/** Full date and time for tooltips. */
export function fullTime(iso) {
  return iso ? fullFmt.format(new Date(iso)) : "";
}

/** A coming day, short: "Thu 27 Nov" in the viewer's zone. */
export function shortDay(iso) {
  return iso ? shortDayFmt.format(new Date(iso)) : "";
}

/** A time ahead, short: "15:05" today, "tomorrow 09:00", "Mon 09:00" within the week, else
 * "1 Dec, 09:00" (as "Snoozed until …" reads it). */
export function untilTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const ahead = -daysAgo(date);
  const time = timeFmt.format(date);
  if (ahead === 0) return time;
  if (ahead === 1) return `tomorrow ${time}`;
  if (ahead > 1 && ahead < 7) return `${weekdayFmt.format(date)} ${time}`;
  const sameYear = date.getFullYear() === new Date().getFullYear();
  return `${(sameYear ? shortDateFmt : yearDateFmt).format(date)}, ${time}`;
}

/** Up to two initials of a name ("Ana Souza" -> "AS"); "#" for numbers only. */
export function initials(name) {
  const words = String(name || "").replace(/[^\p{L}\p{N}\s]/gu, " ").trim().split(/\s+/);
  const letters = words.filter((w) => /\p{L}/u.test(w)).slice(0, 2).map((w) => w[0]);
  return letters.length ? letters.join("").toUpperCase() : "#";
}

/** A stable colour slot (0..7) for an id, for avatars. */
export function colorSlot(key) {
  let hash = 0;
  for (const ch of String(key)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return hash % 8;
}

/** The phone number of a phone JID ("+5511999990001"); "" for LID and group JIDs. */
export function phoneOf(jid) {
  const [user, server] = String(jid || "").split("@");
  return server === "s.whatsapp.net" && /^\d+$/.test(user) ? `+${user}` : "";
}

/** 1536 -> "1.5 KB". */
export function bytes(size) {
  if (!Number.isFinite(size)) return "";
  const units = ["B", "KB", "MB", "GB"];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${value < 10 && unit ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** Capitalised word for an enum value ("snoozed" -> "Snoozed"). */
export function titleCase(value) {
  const text = String(value || "");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
