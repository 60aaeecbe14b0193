"""Resolve due dates written in messages ("by Friday", "amanhã", "2026-12-01") to dates.

Relative expressions are resolved against the date of the message that contains them, never
against "now", so re-analysing old traffic gives the same answer. Works on folded text
(lower-case, no accents; see lexicon.fold).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date, timedelta

from webapp.llm.local.lexicon import fold

_WEEKDAY_NAMES = [  # one line per weekday: en de es fr it id hi (Latin, Devanagari) ar
    "monday montag lunes lundi lunedi senin somvar सोमवार الاثنين",
    "tuesday dienstag martes terca mardi martedi selasa mangalwar मंगलवार الثلاثاء",
    "wednesday mittwoch miercoles quarta mercredi mercoledi rabu budhwar बुधवार الاربعاء",
    "thursday donnerstag jueves quinta jeudi giovedi kamis guruwar guruvar गुरुवार الخميس",
    "friday freitag viernes sexta vendredi venerdi jumat shukrawar शुक्रवार الجمعه",
    "saturday samstag sabado samedi sabato sabtu shaniwar शनिवार السبت",
    "sunday sonntag domingo dimanche domenica ravivar रविवार الاحد",
]
WEEKDAYS: dict[str, int] = {"segunda": 0}
for _number, _names in enumerate(_WEEKDAY_NAMES):
    WEEKDAYS.update(dict.fromkeys(fold(_names).split(), _number))
MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january janeiro enero januar jan",
        "february fevereiro febrero februar feb",
        "march marco marzo marz",
        "april abril apr",
        "may maio mayo mai",
        "june junho junio juni jun",
        "july julho julio juli jul",
        "august agosto aug",
        "september setembro septiembre sep sept",
        "october outubro octubre oktober oct okt",
        "november novembro noviembre nov",
        "december dezembro diciembre dezember dec",
    ],
    start=1,
):
    MONTHS.update(dict.fromkeys(_names.split(), _number))

_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
# "segunda", "quarta", "quinta" also mean second/fourth/fifth in Portuguese: only as weekdays
# with "-feira" or after a preposition.
_PT_DAYS = ("segunda", "terca", "quarta", "quinta", "sexta")
_PT_DAY = "(?:" + "|".join(_PT_DAYS) + ")"
_OTHER_DAYS = "|".join(sorted((d for d in WEEKDAYS if d not in _PT_DAYS), key=len, reverse=True))
_WEEKDAY_RE = re.compile(
    r"\b(?P<next>next |proxim[ao] |la proxima |el proximo |nachsten |kommenden )?"
    r"(?P<day>" + _OTHER_DAYS + "|" + _PT_DAY + r"(?=[- ]feira)|(?<=na )" + _PT_DAY
    + r"|(?<=ate )" + _PT_DAY + r"|(?<=a )" + _PT_DAY + r")\b"
)
_ISO_RE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
# A bare "d/m" is too often something else ("24/7", "1/2"): only with a year or a preposition.
_SLASH_RE = re.compile(
    r"\b(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})\b"
    r"|\b(?:by|on|until|till|before|due|ate|dia|el|para|hasta|bis|am|le|em|no|de)\s+"
    r"(\d{1,2})/(\d{1,2})\b(?!/)"
)
_DOTTED_RE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})?(?!\d)")
_DAY_MONTH_RE = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\.?\s+(?:de\s+)?(" + _MONTH_ALT + r")\b")
# "may" and "mar" are also words (modal verb, "sea"): month-first only with a full name.
_MONTH_DAY_RE = re.compile(
    r"\b("
    + "|".join(n for n in MONTHS if len(n) > 3 and n not in ("maio", "mayo"))
    + r")\s+(\d{1,2})(?:st|nd|rd|th)?\b"
)
_IN_DAYS_RE = re.compile(
    r"\b(?:in|em|en|within|dentro de|innerhalb von)\s+(\d{1,2})\s+"
    r"(?:days?|dias|tagen?)\b"
)
_RELATIVE: list[tuple[re.Pattern[str], int]] = [
    (
        re.compile(
            r"\bday after tomorrow\b|\bdepois de amanha\b|\bpasado manana\b"
            r"|\bubermorgen\b|\bapres-demain\b|\bdopodomani\b|\blusa\b|\bparson\b|بعد بكره"
        ),
        2,
    ),
    (
        re.compile(
            r"\btomorrow\b|\bamanha\b|(?<!la )(?<!esta )(?<!de )\bmanana\b"
            r"|(?<!guten )(?<!heute )\bmorgen\b|\bdemain\b|\bdomani\b|\bbesok\b|\bkal\b"
            r"|कल|بكره|بكرا|\bغدا\b|\bbokra\b"
        ),
        1,
    ),
    (
        re.compile(
            r"\btoday\b|\btonight\b|\bend of (?:the )?day\b|\beod\b|\bthis (?:afternoon|"
            r"evening)\b|\bhoje\b|\bhoy\b|\bheute\b|\baujourd'hui\b|\bfim do dia\b|\boggi\b"
            r"|\bhari ini\b|\baaj\b|आज|\bاليوم\b|النهارده|\bnaharda\b"
        ),
        0,
    ),
    (
        re.compile(
            r"\bnext week\b|\bsemana que vem\b|\bproxima semana\b|\bsemana que viene\b"
            r"|\bnachste[n]? woche\b"
        ),
        7,
    ),
]
_END_OF_WEEK = re.compile(
    r"\bend of (?:the |this )?week\b|\bfim da semana\b|\bfin de semana\b"
    r"|\bende der woche\b"
)
_END_OF_MONTH = re.compile(
    r"\bend of (?:the |this )?month\b|\bfim do mes\b|\bfin de mes\b"
    r"|\bende des monats\b|\bmonatsende\b"
)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _upcoming(ref: date, month: int, day: int, year: int | None) -> date | None:
    """A day/month without a year means its next occurrence on or after `ref`."""
    if year is not None:
        return _safe_date(year + 2000 if year < 100 else year, month, day)
    found = _safe_date(ref.year, month, day)
    if found is not None and found < ref:
        found = _safe_date(ref.year + 1, month, day)
    return found


def _numeric(text: str, ref: date, month_first: bool) -> date | None:
    match = _ISO_RE.search(text)
    if match:
        return _safe_date(int(match[1]), int(match[2]), int(match[3]))
    match = _DOTTED_RE.search(text)
    if match:
        year = int(match[3]) if match[3] else None
        return _upcoming(ref, int(match[2]), int(match[1]), year)
    match = _SLASH_RE.search(text)
    if match:
        first, second = int(match[1] or match[4]), int(match[2] or match[5])
        month, day = (first, second) if month_first else (second, first)
        return _upcoming(ref, month, day, int(match[3]) if match[3] else None)
    return None


def _named_month(text: str, ref: date) -> date | None:
    match = _DAY_MONTH_RE.search(text)
    if match:
        return _upcoming(ref, MONTHS[match[2]], int(match[1]), None)
    match = _MONTH_DAY_RE.search(text)
    if match:
        return _upcoming(ref, MONTHS[match[1]], int(match[2]), None)
    return None


def _weekday(text: str, ref: date) -> date | None:
    match = _WEEKDAY_RE.search(text)
    if not match:
        return None
    ahead = (WEEKDAYS[match["day"]] - ref.weekday()) % 7 or 7  # "on Friday" sent on a Friday
    if match["next"] and ahead <= 2:
        ahead += 7  # "next Saturday" said on a Thursday means the one after this weekend
    return ref + timedelta(days=ahead)


def _relative(text: str, ref: date) -> date | None:
    for pattern, days in _RELATIVE:
        if pattern.search(text):
            return ref + timedelta(days=days)
    match = _IN_DAYS_RE.search(text)
    if match:
        return ref + timedelta(days=int(match[1]))
    if _END_OF_WEEK.search(text):
        return ref + timedelta(days=(4 - ref.weekday()) % 7)
    if _END_OF_MONTH.search(text):
        return date(ref.year, ref.month, calendar.monthrange(ref.year, ref.month)[1])
    return None


def resolve_due_date(folded: str, ref: date, *, month_first: bool = False) -> date | None:
    """Return the first due date expressed in `folded` text, relative to `ref`, or None.

    `month_first` reads "12/01" as December 1st (US English); otherwise day first.
    """
    finders: list[Callable[[str, date], date | None]] = [
        lambda t, r: _numeric(t, r, month_first),
        _named_month,
        _relative,
        _weekday,
    ]
    for finder in finders:
        found = finder(folded, ref)
        if found is not None:
            return found
    return None
