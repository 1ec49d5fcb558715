"""Dates as web pages write them: ISO, and day-month-year with month names in several languages."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# Month names in the languages of the sites we import (English, Spanish, French, Portuguese,
# Italian, German), without accents, with common abbreviations.
_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan enero ene janvier janv janeiro gennaio genn januar",
        "february feb febrero febr fevrier fevr fevereiro fev febbraio februar",
        "march mar marzo mars marco marz",
        "april apr abril abr avril aprile",
        "may mayo mai maio maggio",
        "june jun junio juin junho giugno juni",
        "july jul julio juillet juil julho luglio juli",
        "august aug agosto ago aout agosto august",
        "september sep sept septiembre setiembre set septembre setembro settembre",
        "october oct octubre octobre outubro out ottobre oktober okt",
        "november nov noviembre novembre novembro",
        "december dec diciembre dic decembre dezembro dez dicembre dezember",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS.setdefault(_name, _number)

_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DAY_MONTH_YEAR = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th|er|º|°)?\.?\s+(?:de\s+|of\s+)?([a-z]{3,})\.?,?\s+(?:de\s+|del\s+)?(\d{4})\b"
)
_MONTH_DAY_YEAR = re.compile(r"\b([a-z]{3,})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _day(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def find_date(text: str) -> dt.date | None:
    """The first date written out in `text`, or None.

    Reads `2013-03-28`, `2021/05/04`, `el 28 de marzo de 2013`, `28 March 2013`, `March 28, 2013`
    and `28 mars 2013`; numeric day-month orders such as `03/04/2013` are ambiguous and ignored.
    """
    folded = _fold(text)
    found: list[tuple[int, dt.date]] = []
    for match in _ISO.finditer(folded):
        date = _day(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if date:
            found.append((match.start(), date))
    for match in _DAY_MONTH_YEAR.finditer(folded):
        month = _MONTHS.get(match.group(2))
        date = _day(int(match.group(3)), month, int(match.group(1))) if month else None
        if date:
            found.append((match.start(), date))
    for match in _MONTH_DAY_YEAR.finditer(folded):
        month = _MONTHS.get(match.group(1))
        date = _day(int(match.group(3)), month, int(match.group(2))) if month else None
        if date:
            found.append((match.start(), date))
    return min(found)[1] if found else None
