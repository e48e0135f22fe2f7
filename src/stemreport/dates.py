"""Dates known to a day, a month or a year, typed once when the data are loaded.

The data hold dates such as ``2025-04-07`` (a day), ``2025-05`` (a month) or ``2016`` (a year), and
some tables carry a ``date_precision`` column beside a full ISO date. A ``PartialDate`` keeps the value
and its precision together, so comparisons respect what is known: "after May 2025" means from
1 June 2025, and a story dated only to a month counts as published at the month's end. Comparing the
raw strings instead ("2025-05" < "2025-05-16") silently gets such cases wrong.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PRECISIONS = ("day", "month", "year")
_WIDTH = {"day": 10, "month": 7, "year": 4}
_FORMAT = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]


@dataclass(frozen=True, order=False)
class PartialDate:
    start: dt.date  # first day the date can mean
    precision: str  # day, month or year

    @classmethod
    def parse(cls, value: str, precision: str | None = None) -> PartialDate:
        """``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``; ``precision`` (if given) cuts a full date to what is known."""
        known = {10: "day", 7: "month", 4: "year"}.get(len(value))
        if known is None:
            raise ValueError(f"not an ISO date: {value!r}")
        parsed = dt.datetime.strptime(value, _FORMAT[known]).date()
        precision = precision or known
        if PRECISIONS.index(precision) < PRECISIONS.index(known):
            raise ValueError(f"{value!r} is not precise to the {precision}")
        if precision == "month":
            parsed = parsed.replace(day=1)
        elif precision == "year":
            parsed = parsed.replace(month=1, day=1)
        return cls(parsed, precision)

    @property
    def end(self) -> dt.date:
        """The last day the date can mean."""
        if self.precision == "day":
            return self.start
        if self.precision == "month":
            following = dt.date(self.start.year + self.start.month // 12, self.start.month % 12 + 1, 1)
            return following - dt.timedelta(days=1)
        return dt.date(self.start.year, 12, 31)

    def before(self, other: PartialDate) -> bool:
        """Certainly earlier: this date's last day comes before the other's first."""
        return self.end < other.start

    def after(self, other: PartialDate) -> bool:
        """Certainly later: this date's first day comes after the other's last."""
        return self.start > other.end

    def days_until(self, other: PartialDate) -> int:
        """Days from this date's start to the other's start (a lower bound for imprecise dates)."""
        return (other.start - self.start).days

    def iso(self) -> str:
        return self.start.isoformat()[:_WIDTH[self.precision]]

    def long(self) -> str:
        """For prose: '7 April 2025', 'May 2025', '2016'."""
        if self.precision == "day":
            return f"{self.start.day} {_MONTHS[self.start.month - 1]} {self.start.year}"
        if self.precision == "month":
            return f"{_MONTHS[self.start.month - 1]} {self.start.year}"
        return str(self.start.year)

    @property
    def year(self) -> int:
        return self.start.year

    def __str__(self) -> str:
        return self.iso()

    def __lt__(self, other: PartialDate) -> bool:  # for sorting: by first possible day, then precision
        return (self.start, PRECISIONS.index(self.precision)) < (other.start, PRECISIONS.index(other.precision))


def parse_optional(value: str, precision: str | None = None) -> PartialDate | None:
    return PartialDate.parse(value, precision or None) if value else None
