"""Input stage: the time column understood (docs/semantics.md#time-column).

:func:`read_axis` reads a column of time labels as one of five units and gives each label its
position, a whole number of units since a fixed origin:

| labels | unit | position |
|---|---|---|
| ``1700``, ``1700.0`` (whole numbers: years, or any count) | year | the number |
| ``1959Q1``, ``1959-Q1``, ``Q1 1959`` | quarter | 4 year + quarter - 1 |
| ``1949-01``, ``1949/1``, ``1949M01``, ``Jan 1949``, ``1949-Jan`` | month | 12 year + month - 1 |
| ``2002-01-05``, ``05.01.2002``, ``05/01/2002``, ``1/5/2002`` | day | the Gregorian ordinal |
| ``2002-01-05T13:00``, ``2002-01-05 13:00:00+01:00`` | second | seconds since 1970 (UTC) |

Dates with the year last are day-first with dots; with slashes or dashes, day-first or
month-first as the dates show (a day over 12), and an error when every date reads both ways.
Dates one a month (all on the same day of the month, all at month ends, or at least 25 days
apart in distinct months) are months; timestamps all at the same time of day are days. The
step of a series is the most common spacing of its sorted positions (:func:`step_of`); from
unit and step follow the seasonal period (:func:`default_period`; none for a series shorter
than two periods, :func:`assumed_period`), the calendar features that
make sense (:func:`natural_features`), each position's calendar values (:func:`calendar`),
the labels of new positions, written as the file writes its labels (``TimeAxis.label``), and
the short labels of a picture's ticks under a day (:func:`clock_labels`).
Labels in no such form are plain labels: :func:`read_axis` returns None.
"""
from __future__ import annotations

import calendar as _cal
import datetime as _dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from bpnet.errors import InputError

FEATURES = ("month", "quarter", "week", "weekday")
_MONTHS = {name.lower(): i for i, name in enumerate(_cal.month_abbr) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(_cal.month_name) if name})
_EPOCH = _dt.datetime(1970, 1, 1)
_MONTH_NAME = "|".join(sorted(_MONTHS, key=len, reverse=True))


@dataclass(frozen=True)
class TimeAxis:
    """Time labels read: ``unit`` (year, quarter, month, day or second), ``positions`` (L,)
    int64 in that unit, ``labels`` (L,) as shown (whole-number years without ``.0``, others as
    in the file), ``label(position)``, which writes a new label as the file would, ``form``
    (YYYY-MM, ... for messages) and, once the rows are in order, the regular ``step`` (None:
    unknown, or irregular spacing)."""

    unit: str
    positions: np.ndarray
    labels: list[str]
    label: LabelFormat
    form: str
    step: int | None = None

    def take(self, idx: np.ndarray) -> TimeAxis:
        """The axis of the rows ``idx`` (n,), in that order."""
        return replace(self, positions=self.positions[idx], labels=[self.labels[i] for i in idx])

    def after(self, steps: int) -> np.ndarray:
        """The positions (steps,) of the ``steps`` time steps after the last one."""
        if self.step is None:
            raise ValueError("no regular step")
        return self.positions[-1] + self.step * np.arange(1, steps + 1, dtype=np.int64)

    def describe(self) -> str:
        """The spacing in words (monthly, weekly, ...; irregular)."""
        return describe(self.unit, self.step) if self.step else "irregular"

# ------------------------------------------------------------------ the five forms of a label
def _year(m: re.Match) -> tuple[int, tuple]:
    return int(m.group(1)), ()


def _quarter(m: re.Match) -> tuple[int, tuple]:
    g = m.groupdict()
    year, q = int(g["y"] or g["y2"]), int(g["q"] or g["q2"])
    style = ("yq", g["s"], g["qc"]) if g["y"] else ("qy", g["s2"], g["qc2"])
    return 4 * year + q - 1, style


def _month(m: re.Match) -> tuple[int, tuple]:
    """A month label in any of its three forms."""
    g = m.groupdict()
    if g["y"]:
        year, month = int(g["y"]), int(g["m"])
        # padded: True for 01..09, False for 1..9, None where it cannot show (10..12)
        style = ("num", g["s"], len(g["m"]) == 2 if month < 10 else None)
    else:
        name = g["name"] or g["name2"]
        year, month = int(g["yn"] or g["y2"]), _MONTHS[name.lower()]
        sep = g["sn"] if g["name"] else g["s2"]
        style = ("name", "ny" if g["name"] else "yn", sep, len(name) > 3,
                 name.isupper(), name.islower())
    if not 1 <= month <= 12:
        raise ValueError("month")
    return 12 * year + month - 1, style


def _date(order: str) -> Callable[[re.Match], tuple[int, tuple]]:
    """The parse of a date written in ``order`` (ymd, dmy or mdy): its day number and style
    (order, separator, zero-padded: True, False, or None where it cannot show)."""
    def parse(m: re.Match) -> tuple[int, tuple]:
        g = m.groupdict()
        date = _dt.date(int(g["y"]), int(g["m"]), int(g["d"]))
        small = [t for t, v in ((g["m"], date.month), (g["d"], date.day)) if v < 10]
        padded = None if not small else all(len(t) == 2 for t in small)
        return date.toordinal(), (order, g["s"], padded)
    return parse


def _second(m: re.Match) -> tuple[int, tuple]:
    g = m.groupdict()
    sec = g["sec"]
    when = _dt.datetime(int(g["y"]), int(g["m"]), int(g["d"]), int(g["H"]), int(g["M"]),
                        int(sec) if sec else 0)
    offset = _offset(g["tz"])
    seconds = int((when - _EPOCH).total_seconds()) - offset
    return seconds, (g["s"], g["T"], sec is not None, g["tz"] or "", offset)


def _offset(tz: str | None) -> int:
    """Seconds east of UTC of a ``Z`` / ``+01:00`` / ``-0500`` suffix (0 without one)."""
    if not tz or tz == "Z":
        return 0
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    return sign * (int(digits[:2]) * 3600 + int(digits[2:4]) * 60)


_FORMS: list[tuple[str, str, str, Callable]] = [
    ("year", "YYYY", r"(-?\d+)(?:\.0*)?", _year),
    ("quarter", "YYYYQn",
     r"(?:(?P<y>\d{4})(?P<s>[-/ ]?)(?P<qc>[Qq])(?P<q>[1-4])"
     r"|(?P<qc2>[Qq])(?P<q2>[1-4])(?P<s2>[-/ ]?)(?P<y2>\d{4}))", _quarter),
    ("month", "YYYY-MM",
     rf"(?:(?P<y>\d{{4}})(?P<s>[-/M])(?P<m>\d{{1,2}})"
     rf"|(?P<name>{_MONTH_NAME})(?P<sn>[-/ ]?)(?P<yn>\d{{4}})"
     rf"|(?P<y2>\d{{4}})(?P<s2>[-/ ]?)(?P<name2>{_MONTH_NAME}))", _month),
    ("day", "YYYY-MM-DD", r"(?P<y>\d{4})(?P<s>[-/])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})",
     _date("ymd")),
    ("day", "DD.MM.YYYY", r"(?P<d>\d{1,2})(?P<s>\.)(?P<m>\d{1,2})\.(?P<y>\d{4})", _date("dmy")),
    ("day", "DD/MM/YYYY", r"(?P<d>\d{1,2})(?P<s>[-/])(?P<m>\d{1,2})(?P=s)(?P<y>\d{4})",
     _date("dmy")),
    ("day", "MM/DD/YYYY", r"(?P<m>\d{1,2})(?P<s>[-/])(?P<d>\d{1,2})(?P=s)(?P<y>\d{4})",
     _date("mdy")),
    ("second", "YYYY-MM-DDTHH:MM:SS",
     r"(?P<y>\d{4})(?P<s>[-/])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})(?P<T>[T ])(?P<H>\d{1,2})"
     r":(?P<M>\d{2})(?::(?P<sec>\d{2}))?(?P<tz>Z|[+-]\d{2}:?\d{2})?", _second),
]
_COMPILED = [(unit, form, re.compile(rf"^\s*{pattern}\s*$", re.IGNORECASE), parse)
             for unit, form, pattern, parse in _FORMS]


def _parse_one(text: str, parse_index: int) -> tuple[int, tuple] | None:
    unit, form, regex, parse = _COMPILED[parse_index]
    m = regex.match(text)
    if not m:
        return None
    try:
        return parse(m)
    except ValueError:   # a month 13, a 30 February: the form, but not a time
        return None


def _best_form(texts: list[str]) -> int | None:
    """The index of the form that reads most of up to 64 labels spread over ``texts``, when it
    reads more than half of them; else None (plain labels)."""
    sample = [texts[i] for i in np.linspace(0, len(texts) - 1, min(64, len(texts))).astype(int)]
    hits = [sum(_parse_one(t, k) is not None for t in sample) for k in range(len(_COMPILED))]
    best = int(np.argmax(hits))
    return best if 2 * hits[best] > len(sample) else None


def read_axis(labels: list[str], where: Callable[[int], str]) -> TimeAxis | None:
    """The time axis of ``labels`` (L,), or None when they are plain labels.

    The form that reads most labels is the column's form when it reads more than half of
    them; then a label it cannot read is an error, ``where(i)`` naming its line and column.
    """
    texts = [s.strip() for s in labels]
    if not texts:
        return None
    for i, text in enumerate(texts):
        if not text:
            raise InputError(f"{where(i)}: empty time label")
    best = _best_form(texts)
    if best is None:
        return None
    parsed = [_parse_one(t, best) for t in texts]
    unit, form = _COMPILED[best][:2]
    _refuse_ambiguous_dates(best, parsed, texts, where)
    for i, p in enumerate(parsed):
        if p is None:
            raise InputError(f"{where(i)}: {texts[i]!r} is not a {form} label like the other "
                             f"rows of the time column")
    positions = np.array([p[0] for p in parsed], dtype=np.int64)
    styles = [p[1] for p in parsed]
    return _refine(unit, form, positions, styles, texts)


def _refuse_ambiguous_dates(best: int, parsed: list, texts: list[str],
                            where: Callable[[int], str]) -> None:
    """Dates such as 03/04/2020 that read as day/month and as month/day, every one of them,
    with different days: an error (bpnet will not guess)."""
    forms = [c[1] for c in _COMPILED]
    pair = {"DD/MM/YYYY": "MM/DD/YYYY", "MM/DD/YYYY": "DD/MM/YYYY"}.get(forms[best])
    if pair is None:
        return
    other = [_parse_one(t, forms.index(pair)) for t in texts]
    if all(o is not None for o in other) and any(o[0] != p[0] for o, p in zip(other, parsed)):
        i = next(k for k, (o, p) in enumerate(zip(other, parsed)) if o[0] != p[0])
        raise InputError(f"{where(i)}: {texts[i]!r} reads as day/month/year and as "
                         "month/day/year, and so do all the other dates; write them as "
                         "YYYY-MM-DD")


def _refine(unit: str, form: str, positions: np.ndarray, styles: list[tuple],
            texts: list[str]) -> TimeAxis:
    """The axis of parsed labels: dates one a month become months, timestamps all at one time
    of day become days; whole-number years are shown without a decimal part."""
    last = styles[-1]
    if unit == "year":
        return TimeAxis(unit, positions, [str(p) for p in positions], LabelFormat("year"), form)
    if unit == "second":
        local = positions + last[4]
        if len(set((local % 86400).tolist())) == 1:
            suffix = texts[-1][len(texts[-1].split(last[1])[0]):]
            return _days(local // 86400 + _EPOCH.toordinal(), ("ymd", last[0], True), suffix,
                         form.split("T")[0], texts)
        return TimeAxis(unit, positions, texts, LabelFormat("second", last), form)
    if unit == "day":
        padded = not any(s[2] is False for s in styles)
        return _days(positions, (last[0], last[1], padded), "", form, texts)
    if unit == "quarter":
        return TimeAxis(unit, positions, texts, LabelFormat("quarter", last), form)
    if last[0] == "num":
        padded = not any(s[2] is False for s in styles)
        return TimeAxis(unit, positions, texts, LabelFormat("month", (last[1], padded)), form)
    return TimeAxis(unit, positions, texts, LabelFormat("monthname", last[1:]), form)


def _days(days: np.ndarray, style: tuple, suffix: str, form: str, texts: list[str]) -> TimeAxis:
    """Dates: months when they come one a month (see the module docstring), else days.
    ``style``: (order, separator, zero-padded) of the dates, ``suffix`` a constant time."""
    dates = [_dt.date.fromordinal(int(d)) for d in days]
    months = np.array([12 * d.year + d.month - 1 for d in dates], dtype=np.int64)
    same_day = len({d.day for d in dates}) == 1
    month_end = all(d.day == _cal.monthrange(d.year, d.month)[1] for d in dates)
    one_a_month = len(set(months.tolist())) == len(dates) and len(dates) > 1 and (
        same_day or month_end or np.diff(np.sort(days)).min() >= 25)
    form = form + (" HH:MM" if suffix else "")
    if one_a_month:
        day = "end" if month_end and not same_day else dates[-1].day
        return TimeAxis("month", months, texts, LabelFormat("monthday", (*style, day, suffix)),
                        form)
    return TimeAxis("day", np.asarray(days, dtype=np.int64), texts,
                    LabelFormat("day", (*style, suffix)), form)


def _write_quarter(p: int, order: str, sep: str, qc: str) -> str:
    y, q = divmod(p, 4)
    return f"{y}{sep}{qc}{q + 1}" if order == "yq" else f"{qc}{q + 1}{sep}{y}"


def _write_month(p: int, sep: str, padded: bool) -> str:
    y, m = divmod(p, 12)
    return f"{y:04d}{sep}{m + 1:02d}" if padded else f"{y:04d}{sep}{m + 1}"


def _write_monthname(p: int, order: str, sep: str, full: bool, upper: bool, lower: bool) -> str:
    y, m = divmod(p, 12)
    name = (_cal.month_name if full else _cal.month_abbr)[m + 1]
    name = name.upper() if upper else name.lower() if lower else name
    return f"{name}{sep}{y}" if order == "ny" else f"{y}{sep}{name}"


def _write_date(y: int, m: int, d: int, order: str, sep: str, padded: bool) -> str:
    mm, dd = (f"{m:02d}", f"{d:02d}") if padded else (str(m), str(d))
    return {"ymd": f"{y:04d}{sep}{mm}{sep}{dd}", "dmy": f"{dd}{sep}{mm}{sep}{y:04d}",
            "mdy": f"{mm}{sep}{dd}{sep}{y:04d}"}[order]


def _write_monthday(p: int, order: str, sep: str, padded: bool, day: int | str,
                    suffix: str) -> str:
    y, m = divmod(p, 12)
    last = _cal.monthrange(y, m + 1)[1]
    d = last if day == "end" else min(int(day), last)
    return _write_date(y, m + 1, d, order, sep, padded) + suffix


def _write_day(p: int, order: str, sep: str, padded: bool, suffix: str) -> str:
    d = _dt.date.fromordinal(p)
    return _write_date(d.year, d.month, d.day, order, sep, padded) + suffix


def _write_second(p: int, sep: str, T: str, with_seconds: bool, tz: str, offset: int) -> str:
    t = _EPOCH + _dt.timedelta(seconds=p + offset)
    clock = f"{t.hour:02d}:{t.minute:02d}" + (f":{t.second:02d}" if with_seconds else "")
    return f"{t.year:04d}{sep}{t.month:02d}{sep}{t.day:02d}{T}{clock}{tz}"


_WRITERS = {"year": str, "quarter": _write_quarter, "month": _write_month,
            "monthname": _write_monthname, "monthday": _write_monthday, "day": _write_day,
            "second": _write_second}


@dataclass(frozen=True)
class LabelFormat:
    """How the file writes the label of a position: a writer (``kind``) and its ``style``
    (separators, padding, the day of the month, a time suffix, ...). A plain value, so that a
    dataset holding it can go to a worker process."""

    kind: str
    style: tuple = ()

    def __call__(self, position: int) -> str:
        return _WRITERS[self.kind](int(position), *self.style)


# --------------------------------------------------------------- step, period and features
def step_of(positions: np.ndarray) -> int | None:
    """The regular step of sorted, distinct positions (L,): the most common spacing (the
    smallest of equally common ones); None with fewer than two positions."""
    d = np.diff(positions)
    if len(d) == 0:
        return None
    counts = Counter(d.tolist())
    top = max(counts.values())
    return min(s for s, c in counts.items() if c == top)


_NAMES = {("year", 1): "yearly", ("quarter", 1): "quarterly", ("month", 1): "monthly",
          ("month", 3): "quarterly", ("month", 12): "yearly", ("day", 1): "daily",
          ("day", 7): "weekly", ("second", 3600): "hourly", ("second", 60): "minutely",
          ("second", 86400): "daily"}
_DAYS = {"second": 1 / 86400, "day": 1.0, "month": 30.44, "quarter": 91.31, "year": 365.25}
# a calendar feature makes sense when a step is at most this many days long
_FINEST = {"month": 31, "quarter": 92, "week": 7, "weekday": 1}
NEEDS = {"month": "monthly", "quarter": "quarterly", "week": "weekly", "weekday": "daily"}


def describe(unit: str, step: int) -> str:
    """The spacing in words: monthly, weekly, every 2 years, ..."""
    return _NAMES.get((unit, step), f"every {step_words(unit, step)}")


def step_words(unit: str, n: int) -> str:
    """``n`` units in words: 1 month, 3 weeks, 2 days, ..."""
    if unit == "day" and n % 7 == 0:
        unit, n = "week", n // 7
    return f"{n} {unit}" + ("s" if n != 1 else "")


def default_period(unit: str, step: int | None) -> int | None:
    """The seasonal period in steps: 12 monthly, 4 quarterly, 52 weekly, 7 daily, 24 hourly;
    None yearly and where no calendar cycle fits."""
    if step is None:
        return None
    if unit == "day":
        return {1: 7, 7: 52}.get(step)
    cycle = {"quarter": 4, "month": 12, "second": 86400}.get(unit)
    if cycle is None or step >= cycle or cycle % step:
        return None
    return cycle // step


def assumed_period(axis: TimeAxis | None, length: int) -> int | None:
    """The seasonal period of a series of ``length`` steps when the config gives none: its
    time step's (:func:`default_period`; 12 for plain labels), none for a series shorter
    than two periods, which shows no season to repeat."""
    period = default_period(axis.unit, axis.step) if axis is not None else 12
    return period if period is not None and length >= 2 * period else None


def clock_labels(axis: TimeAxis | None, positions: np.ndarray) -> tuple[list[str], str] | None:
    """Short labels of the ``positions`` (n,) of a series stepped in less than a day, for a
    picture's ticks: the clock time (HH:MM:SS; HH:MM when every position is on a whole
    minute), after the date (MM-DD) when they span more than one day; with the day they all
    fall on (YYYY-MM-DD; "" when several). None for other axes, whose labels are short."""
    if axis is None or axis.unit != "second" or axis.step is None or axis.step >= 86400:
        return None
    offset = axis.label.style[4] if axis.label.kind == "second" else 0
    times = [_EPOCH + _dt.timedelta(seconds=int(p) + offset) for p in positions]
    clock = "%H:%M" if axis.step % 60 == 0 and all(t.second == 0 for t in times) else \
        "%H:%M:%S"
    days = {t.date() for t in times}
    if len(days) > 1:
        return [t.strftime(f"%m-%d {clock}") for t in times], ""
    return [t.strftime(clock) for t in times], str(days.pop()) if days else ""


def natural_features(unit: str, step: int | None) -> set[str]:
    """The calendar features that make sense for a series of this step (an unknown step
    counts as one unit): month needs monthly or finer data, quarter quarterly or finer, week
    weekly or finer, weekday daily or finer (``NEEDS`` says it in words)."""
    days = _DAYS[unit] * (step or 1)
    return {f for f, finest in _FINEST.items() if days <= finest}


def calendar(unit: str, positions: np.ndarray, feature: str) -> np.ndarray:
    """The calendar ``feature`` (month 1..12, quarter 1..4, ISO week 1..53, ISO weekday 1..7)
    of every position (L,) -> (L,) int; timestamps in UTC."""
    p = np.asarray(positions)
    if unit == "quarter" and feature == "quarter":
        return p % 4 + 1
    if unit == "month" and feature in ("month", "quarter"):
        month = p % 12 + 1
        return month if feature == "month" else (month - 1) // 3 + 1
    if unit not in ("day", "second"):
        raise ValueError(f"no {feature} in {unit} positions")
    dates = [_dt.date.fromordinal(int(t)) if unit == "day"
             else (_EPOCH + _dt.timedelta(seconds=int(t))).date() for t in p]
    value = {"month": lambda d: d.month, "quarter": lambda d: (d.month - 1) // 3 + 1,
             "week": lambda d: d.isocalendar()[1], "weekday": lambda d: d.isoweekday()}[feature]
    return np.array([value(d) for d in dates], dtype=int)
